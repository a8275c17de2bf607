// Marketing templates on the Marketing Messages API route, end to end on the real broker and
// database with the WhatsApp simulator: the request body of /marketing_messages (Meta's
// closed schema: STRICT, no time-to-live, no biz_opaque_callback_data), the US market skip,
// a lost answer on that route, and 131055 (terms not accepted) as a pause or a fallback.
import type { WhatsAppSimulator } from '../../../test/whatsapp-simulator';
import {
  database,
  Environment,
  freshPhone,
  isolatedEnvironment,
  outcomesUntil,
  PHONE_NUMBER_ID,
  produceSendDue,
  produceSettings,
  RunningSender,
  sendDue,
  sleep,
  startSender,
  startSimulator,
  storeSettings,
  TOKEN,
} from './harness';

const sims: WhatsAppSimulator[] = [];
const senders: RunningSender[] = [];
afterAll(async () => {
  await Promise.all(senders.map((s) => s.close().catch(() => undefined)));
  await Promise.all(sims.map((s) => s.close()));
});

/** A store sending the approved MARKETING template `cart_reminder`: routed to /marketing_messages. */
const marketingStore = (storeId?: string) =>
  storeSettings({
    ...(storeId ? { storeId } : {}),
    whatsapp: {
      phoneNumberId: PHONE_NUMBER_ID,
      accessToken: TOKEN,
      mode: 'template',
      templateName: 'cart_reminder',
      templateLanguage: 'es',
      templateCategory: 'marketing',
    },
  });

async function setup(
  label: string,
  extra: Record<string, string> = {},
  simulator: Parameters<typeof startSimulator>[0] = {},
) {
  const env = await isolatedEnvironment(label);
  const sim = await startSimulator(simulator);
  sims.push(sim);
  await produceSettings(env, marketingStore());
  const sender = await startSender(env, sim, extra);
  senders.push(sender);
  return { env, sim, sender };
}

const statusOf = (outcomes: Array<{ sendId?: string; status?: string }>, sendId: string) =>
  outcomes.filter((o) => o.sendId === sendId).map((o) => o.status);

async function query<T>(env: Environment, sql: string, values: unknown[] = []): Promise<T[]> {
  const db = await database(env.schema);
  try {
    return (await db.query(sql, values)).rows as T[];
  } finally {
    await db.close();
  }
}

const rowOf = async (env: Environment, sendId: string) =>
  (
    await query<{ state: string; reason: string | null; wamid: string | null; attempts: number; error_code: number }>(
      env,
      'SELECT state, reason, wamid, attempts, error_code FROM messages WHERE send_id = $1',
      [sendId],
    )
  )[0];

async function until<T>(read: () => Promise<T>, ok: (value: T) => boolean, timeoutMs = 15_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  let value = await read();
  while (!ok(value) && Date.now() < end) {
    await sleep(200);
    value = await read();
  }
  return value;
}

const metricsOf = async (sender: RunningSender) => (await fetch(`${sender.url}/metrics`)).text();

describe('sender on /marketing_messages', () => {
  it("sends exactly Meta's body of the route (STRICT; no TTL, no callback data), settles it by its message id, and skips US shoppers", async () => {
    const { env, sim } = await setup('marketing-body');
    const spain = sendDue('mm-es');
    const canada = sendDue('mm-ca', { customer: { ...spain.customer, phone: '+14165550123' } });
    const us = sendDue('mm-us', { customer: { ...spain.customer, phone: '+12125550123' } });
    await produceSendDue(env, [spain, canada, us]);
    const outcomes = await outcomesUntil(
      env,
      (o) =>
        statusOf(o, spain.sendId).includes('read') &&
        statusOf(o, canada.sendId).includes('read') &&
        statusOf(o, us.sendId).includes('skipped'),
    );

    const [message] = sim.record.findMessages({ to: spain.customer.phone });
    expect(message).toMatchObject({
      endpoint: 'marketing_messages',
      templateName: 'cart_reminder',
      apiVersion: 'v26.0',
    });
    // Meta's closed schema of the route; the time-to-live is the template's, never the send's.
    expect(Object.keys(message.body as object).sort()).toEqual([
      'messaging_product',
      'product_policy',
      'recipient_type',
      'template',
      'to',
      'type',
    ]);
    expect(message.body).toMatchObject({ product_policy: 'STRICT' });
    expect(message.body).not.toHaveProperty('message_send_ttl_seconds');
    // Settled by the message id of the answer: the webhooks (no sendId in them) move it to read.
    expect(statusOf(outcomes, spain.sendId)).toEqual(['sent', 'delivered', 'read']);
    expect(await rowOf(env, spain.sendId)).toMatchObject({ state: 'read', wamid: message.wamid });

    // Canada shares +1 and is not blocked; the United States is, before any call or frequency slot.
    expect(sim.record.findMessages({ to: canada.customer.phone })).toHaveLength(1);
    expect(outcomes.find((o) => o.sendId === us.sendId)).toMatchObject({ status: 'skipped', reason: 'market-blocked' });
    expect(sim.record.findAttempts({ to: us.customer.phone })).toHaveLength(0);
    expect(await query(env, 'SELECT 1 FROM contacts WHERE phone = $1', [us.customer.phone])).toEqual([]);
    expect(await rowOf(env, us.sendId)).toMatchObject({ state: 'skipped', reason: 'market-blocked', attempts: 0 });
  });

  it('sends US shoppers too when the market block is turned off', async () => {
    const { env, sim } = await setup('marketing-us-on', { SENDER_MARKET_BLOCK_US: 'false' });
    const us = sendDue('mm-us-on', { customer: { phone: '+13055550123', firstName: 'Ann', locale: 'en-US' } });
    await produceSendDue(env, [us]);
    await outcomesUntil(env, (o) => statusOf(o, us.sendId).includes('sent'));
    expect(sim.record.findMessages({ to: us.customer.phone })).toHaveLength(1);
  });

  it('a lost answer on the route is settled by its webhooks matched on the recipient, never sent again', async () => {
    const { env, sim } = await setup('marketing-lost', {
      WHATSAPP_TIMEOUT_MS: '800',
      SENDER_AMBIGUOUS_SETTLE_MS: '300',
    });
    sim.faults.failNext(1, { kind: 'lose-answer' });
    const due = sendDue('mm-lost');
    await produceSendDue(env, [due]);
    const outcomes = await outcomesUntil(env, (o) => statusOf(o, due.sendId).includes('read'));
    const [message] = sim.record.findMessages({ to: due.customer.phone });
    expect(sim.record.findAttempts({ to: due.customer.phone }).map((a) => a.outcome)).toEqual(['answer-lost']);
    expect(statusOf(outcomes, due.sendId)).toEqual(['sent', 'delivered', 'read']);
    expect(outcomes.find((o) => o.sendId === due.sendId)!.whatsappMessageId).toBe(message.wamid);
    expect(await rowOf(env, due.sendId)).toMatchObject({ state: 'read', wamid: message.wamid, attempts: 1 });
    await sleep(1000); // past the settle wait: still one request
    expect(sim.record.findAttempts({ to: due.customer.phone })).toHaveLength(1);
  });

  it('two lost answers to one recipient cannot be told apart: both stay unknown, neither sent again', async () => {
    // Both in flight when their statuses come: no pair pause between them, statuses a little late.
    const { env, sim, sender } = await setup(
      'marketing-lost-two',
      { WHATSAPP_TIMEOUT_MS: '1500', SENDER_AMBIGUOUS_SETTLE_MS: '1000', WHATSAPP_PAIR_INTERVAL_MS: '0' },
      { webhooks: { delaysMs: { sent: 400, delivered: 600, read: 800 } } },
    );
    // A second store on the same business number, the same shopper in both.
    await produceSettings(env, marketingStore('lola-outlet'));
    await sleep(1500);
    sim.faults.failNext(2, { kind: 'lose-answer' });
    const first = sendDue('mm-two-a');
    const second = sendDue('mm-two-b', {
      storeId: 'lola-outlet',
      sendId: 'lola-outlet:mm-two-b:1',
      customer: first.customer,
    });
    await produceSendDue(env, [first, second]);
    const rows = await until(
      async () => Promise.all([rowOf(env, first.sendId), rowOf(env, second.sendId)]),
      (r) => r.every((row) => row?.state === 'unknown'),
    );
    expect(rows.map((r) => [r.state, r.wamid, r.attempts])).toEqual([
      ['unknown', null, 1],
      ['unknown', null, 1],
    ]);
    expect(sim.record.findMessages({ to: first.customer.phone })).toHaveLength(2); // Meta took both
    await until(
      () => metricsOf(sender),
      (m) => /sender_webhook_statuses_total\{[^}]*result="unknown-message"[^}]*\} [1-9]/.test(m),
    );
    await sleep(1000);
    expect(sim.record.findAttempts({ to: first.customer.phone })).toHaveLength(2);
  });

  it('131055 (terms not accepted) pauses the store with an alert and a metric; its messages wait for settings saved again', async () => {
    const { env, sim, sender } = await setup('marketing-terms', {}, { marketingTermsNotAccepted: [PHONE_NUMBER_ID] });
    const due = sendDue('mm-terms');
    await produceSendDue(env, [due]);
    const outcomes = await outcomesUntil(env, (o) => statusOf(o, due.sendId).includes('deferred'));
    expect(outcomes.find((o) => o.sendId === due.sendId)).toMatchObject({ status: 'deferred', reason: 'store-paused' });
    expect(await rowOf(env, due.sendId)).toMatchObject({ state: 'deferred', error_code: 131055 });
    expect(sim.record.findAttempts({ to: due.customer.phone }).map((a) => a.errorCode)).toEqual([131055]);
    expect(sim.record.messages).toHaveLength(0);
    const logs = sender.logs.join('');
    expect(logs).toMatch(/"alert":"marketing-terms-not-accepted".*"storeId":"lola-shoes"/);
    expect(logs).not.toContain(TOKEN);
    const metrics = await metricsOf(sender);
    expect(metrics).toMatch(/sender_marketing_terms_missing_total\{[^}]*action="paused"[^}]*\} 1/);
    expect(metrics).toMatch(/sender_store_paused_total\{[^}]*code="131055"[^}]*\} 1/);
    // Paused: the next one is not even tried.
    const second = sendDue('mm-terms-2', { customer: { ...due.customer, phone: freshPhone() } });
    await produceSendDue(env, [second]);
    await outcomesUntil(env, (o) => statusOf(o, second.sendId).includes('deferred'));
    expect(sim.record.findAttempts({ to: second.customer.phone })).toHaveLength(0);

    // The merchant accepts the terms and saves the settings again, the same token: both go out.
    sim.updateSettings({ marketingTermsNotAccepted: [] });
    await produceSettings(env, marketingStore());
    const after = await outcomesUntil(
      env,
      (o) => statusOf(o, due.sendId).includes('sent') && statusOf(o, second.sendId).includes('sent'),
    );
    expect(statusOf(after, due.sendId)).toContain('sent');
    expect(sim.record.findMessages({ to: due.customer.phone })).toHaveLength(1);
    expect(sim.record.findMessages({ to: second.customer.phone })).toHaveLength(1);
  });

  it('131055 with the fallback on: sent once through /messages (callback data, no TTL), the store not paused', async () => {
    const { env, sim, sender } = await setup(
      'marketing-fallback',
      { WHATSAPP_MARKETING_TERMS_FALLBACK: 'true' },
      { marketingTermsNotAccepted: [PHONE_NUMBER_ID] },
    );
    const due = sendDue('mm-fallback');
    await produceSendDue(env, [due]);
    await outcomesUntil(env, (o) => statusOf(o, due.sendId).includes('delivered'));
    const attempts = sim.record.findAttempts({ to: due.customer.phone });
    expect(attempts.map((a) => [a.endpoint, a.errorCode ?? a.outcome])).toEqual([
      ['marketing_messages', 131055],
      ['messages', 'accepted'],
    ]);
    const [message] = sim.record.findMessages({ to: due.customer.phone });
    expect(message).toMatchObject({ endpoint: 'messages', bizOpaqueCallbackData: due.sendId });
    expect(message.body).not.toHaveProperty('message_send_ttl_seconds');
    expect(await rowOf(env, due.sendId)).toMatchObject({
      state: expect.stringMatching(/^(delivered|read)$/),
      wamid: message.wamid,
      attempts: 2,
    });
    const metrics = await metricsOf(sender);
    expect(metrics).toMatch(/sender_marketing_terms_missing_total\{[^}]*action="fallback"[^}]*\} 1/);
    expect(metrics).not.toMatch(/sender_store_paused_total\{/);
  });

  it("an account's MM_LITE_TERMS_SIGNED (account_update) resumes its store paused for 131055, and the held message goes out", async () => {
    const { env, sim, sender } = await setup('marketing-terms-signed');
    // A first message: its webhooks tell the sender which business account the number is in.
    const first = sendDue('mm-signed-first');
    await produceSendDue(env, [first]);
    await outcomesUntil(env, (o) => statusOf(o, first.sendId).includes('delivered'));
    await until(
      () => query(env, 'SELECT 1 FROM business_numbers WHERE phone_number_id = $1', [PHONE_NUMBER_ID]),
      (rows) => rows.length === 1,
    );
    sim.updateSettings({ marketingTermsNotAccepted: [PHONE_NUMBER_ID] });
    const held = sendDue('mm-signed-held');
    await produceSendDue(env, [held]);
    await outcomesUntil(env, (o) => statusOf(o, held.sendId).includes('deferred'));
    expect(await rowOf(env, held.sendId)).toMatchObject({ state: 'deferred', error_code: 131055 });

    // The business accepts the terms: Meta's account_update, no settings saved again.
    expect((await sim.signMarketingTerms())?.outcome).toBe('delivered');
    const after = await outcomesUntil(env, (o) => statusOf(o, held.sendId).includes('sent'));
    expect(statusOf(after, held.sendId).slice(0, 2)).toEqual(['deferred', 'sent']);
    expect(sim.record.findMessages({ to: held.customer.phone }).map((m) => m.endpoint)).toEqual(['marketing_messages']);
    expect(sender.logs.join('')).toMatch(/marketing messages terms accepted: stores paused for 131055 resumed/);
    expect(await metricsOf(sender)).toMatch(/sender_stores_paused\{[^}]*\} 0/);
  });

  it('a paced template: held by Meta, shown as paced, never sent again; released while the store is closed, counted apart', async () => {
    const { env, sim, sender } = await setup(
      'marketing-paced',
      {},
      {
        pacedTemplates: { cart_reminder: 'held_for_quality_assessment' },
      },
    );
    const due = sendDue('mm-paced');
    await produceSendDue(env, [due]);
    const outcomes = await outcomesUntil(env, (o) => statusOf(o, due.sendId).includes('paced'));
    const [message] = sim.record.findMessages({ to: due.customer.phone });
    expect(outcomes.find((o) => o.sendId === due.sendId)).toMatchObject({
      status: 'paced',
      reason: 'held_for_quality_assessment',
      whatsappMessageId: message.wamid,
    });
    expect(await rowOf(env, due.sendId)).toMatchObject({ state: 'paced', wamid: message.wamid, attempts: 1 });
    // Held for a while: no second call (the deferral loop and the stale mark leave it alone).
    await sleep(3000);
    expect(sim.record.findAttempts({ to: due.customer.phone })).toHaveLength(1);
    expect(await rowOf(env, due.sendId)).toMatchObject({ state: 'paced' });

    // The store now opens only two days from now (Madrid): closed when Meta releases the message.
    const days = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;
    const inTwoDays = days[(madridWeekday() + 2) % 7];
    const openingHours = Object.fromEntries(days.map((d) => [d, d === inTwoDays ? [['09:00', '10:00']] : []]));
    await produceSettings(env, { ...marketingStore(), openingHours } as ReturnType<typeof marketingStore>);
    await until(
      () =>
        query<{ hours: Record<string, unknown[]> }>(
          env,
          "SELECT settings->'openingHours' AS hours FROM store_settings WHERE store_id = $1",
          ['lola-shoes'],
        ),
      (rows) => Object.values(rows[0]?.hours ?? {}).filter((slots) => slots.length > 0).length === 1,
    );
    await sim.sendStatus(message.wamid, 'sent');
    await sim.sendStatus(message.wamid, 'delivered');
    const released = await outcomesUntil(env, (o) => statusOf(o, due.sendId).includes('delivered'));
    expect(released.find((o) => o.sendId === due.sendId && o.status === 'sent')).toMatchObject({
      reason: 'released-after-closing',
    });
    expect(await rowOf(env, due.sendId)).toMatchObject({ state: 'delivered', wamid: message.wamid });
    expect(sim.record.findAttempts({ to: due.customer.phone })).toHaveLength(1);
    expect(await metricsOf(sender)).toMatch(
      /sender_paced_released_total\{[^}]*store_id="lola-shoes",store_closed="true"[^}]*\} 1/,
    );
  });
});

/** Today's weekday in the store's zone, Sunday 0 (as the settings' keys go sun…sat). */
function madridWeekday(): number {
  const name = new Intl.DateTimeFormat('en-US', { timeZone: 'Europe/Madrid', weekday: 'short' }).format(new Date());
  return ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'].indexOf(name);
}
