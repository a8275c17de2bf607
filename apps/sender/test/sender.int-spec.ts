import { cartKey, TOPIC, type SendDue } from '@lib/contracts';
import type { WhatsAppSimulator } from '../../../test/whatsapp-simulator';
import {
  database,
  Environment,
  freshPhone,
  isolatedEnvironment,
  outcomesUntil,
  PHONE_NUMBER_ID,
  produce,
  produceSendDue,
  produceSettings,
  realLibraries,
  RunningSender,
  sendDue,
  sleep,
  startSender,
  startSimulator,
  STORE,
  storeSettings,
  TOKEN,
  APP_SECRET,
  VERIFY_TOKEN,
} from './harness';
import { webhookSignature } from '../../../test/whatsapp-simulator';
import { readTopic, testKafka } from '../../../test/support/kafka';

const sims: WhatsAppSimulator[] = [];
const senders: RunningSender[] = [];
afterAll(async () => {
  await Promise.all(senders.map((s) => s.close().catch(() => undefined)));
  await Promise.all(sims.map((s) => s.close()));
});

async function setup(
  label: string,
  settings = storeSettings(),
  extra: Record<string, string> = {},
  simulator: Parameters<typeof startSimulator>[0] = {},
) {
  const env = await isolatedEnvironment(label);
  const sim = await startSimulator(simulator);
  sims.push(sim);
  await produceSettings(env, settings);
  const sender = await startSender(env, sim, extra);
  senders.push(sender);
  return { env, sim, sender };
}

/** A store in template mode with the approved `cart_reminder` in Spanish, plus `whatsapp` fields. */
const templateStore = (whatsapp: Record<string, unknown>) =>
  storeSettings({
    whatsapp: {
      phoneNumberId: PHONE_NUMBER_ID,
      accessToken: TOKEN,
      mode: 'template',
      templateName: 'cart_reminder',
      templateLanguage: 'es',
      ...whatsapp,
    },
  });

const statusOf = (outcomes: Array<{ sendId?: string; status?: string }>, sendId: string) =>
  outcomes.filter((o) => o.sendId === sendId).map((o) => o.status);

async function rowsOf(env: Environment) {
  const db = await database(env.schema);
  try {
    const { rows } = await db.query(
      'SELECT send_id, state, reason, wamid, rendered_text, history, attempts FROM messages ORDER BY send_id',
    );
    return new Map(rows.map((r) => [r.send_id as string, r]));
  } finally {
    await db.close();
  }
}

describe('sender on the real broker, database and the WhatsApp simulator', () => {
  it('sends a due message once, records the rendered text and its statuses, publishes every outcome', async () => {
    const { env, sim } = await setup('send');
    const due = sendDue('c-1');
    await produceSendDue(env, [due]);
    const outcomes = await outcomesUntil(env, (o) => statusOf(o, due.sendId).includes('read'));
    expect(statusOf(outcomes, due.sendId)).toEqual(['sent', 'delivered', 'read']);
    const [message] = sim.record.findMessages({ bizOpaqueCallbackData: due.sendId });
    expect(sim.record.findMessages({ bizOpaqueCallbackData: due.sendId })).toHaveLength(1);
    expect(message.type).toBe('text');
    expect(message.text).toContain('Zapatería Lola');
    expect(outcomes.find((o) => o.status === 'sent')!.whatsappMessageId).toBe(message.wamid);
    const row = (await rowsOf(env)).get(due.sendId)!;
    expect(row).toMatchObject({ state: 'read', wamid: message.wamid });
    expect(row.rendered_text).toBe(message.text);
    expect(row.history.map((h: { status: string }) => h.status)).toEqual(['sending', 'sent', 'delivered', 'read']);
  });

  it('skips unknown and disabled stores, opted-out shoppers, converted and emptied carts, the frequency rule', async () => {
    const { env, sim } = await setup('skips');
    await produce(env.topic(TOPIC.storeSettings), [
      { key: 'closed-shop', value: storeSettings({ storeId: 'closed-shop', enabled: false }) },
    ]);
    const optedOut = sendDue('opted');
    const converted = sendDue('converted');
    const emptied = sendDue('emptied');
    const first = sendDue('first');
    const again = sendDue('again', { customer: first.customer });
    const unknown = sendDue('unknown', { storeId: 'no-such-store', sendId: 'no-such-store:unknown:1' });
    const disabled = sendDue('disabled', { storeId: 'closed-shop', sendId: 'closed-shop:disabled:1' });
    const now = Date.now();
    await produce(env.topic(TOPIC.messageOutcomes), [
      {
        key: `${STORE}:${optedOut.customer.phone}`,
        value: {
          schemaVersion: 1,
          type: 'customer.opted-out',
          storeId: STORE,
          phone: optedOut.customer.phone,
          at: new Date(now).toISOString(),
        },
      },
    ]);
    const closing = (cartId: string, type: string) => ({
      key: cartKey(STORE, cartId),
      value: {
        schemaVersion: 1,
        eventId: `e-${cartId}`,
        type,
        occurredAt: new Date(now - 1000).toISOString(), // after the activity the send-due came from
        storeId: STORE,
        cartId,
        ...(type === 'cart.converted' ? { orderId: 'o-1', total: '59.90', currency: 'EUR' } : {}),
      },
    });
    await produce(env.topic(TOPIC.cartEvents), [
      closing('converted', 'cart.converted'),
      closing('emptied', 'cart.emptied'),
    ]);
    await sleep(2500); // the facts consumer reads them before the send-dues arrive
    await produceSendDue(env, [first]);
    await outcomesUntil(env, (o) => statusOf(o, first.sendId).includes('sent'));
    await produceSendDue(env, [optedOut, converted, emptied, again, unknown, disabled]);
    const outcomes = await outcomesUntil(env, (o) => o.filter((x) => x.status === 'skipped').length >= 6);
    const reasons = Object.fromEntries(outcomes.filter((o) => o.status === 'skipped').map((o) => [o.sendId, o.reason]));
    expect(reasons).toEqual({
      [optedOut.sendId]: 'opted-out',
      [converted.sendId]: 'converted',
      [emptied.sendId]: 'emptied',
      [again.sendId]: 'frequency-cap',
      [unknown.sendId]: 'unknown-store',
      [disabled.sendId]: 'disabled',
    });
    for (const skipped of [optedOut, converted, emptied, again, unknown, disabled]) {
      expect(sim.record.findAttempts({ bizOpaqueCallbackData: skipped.sendId })).toHaveLength(0);
    }
    const rows = await rowsOf(env);
    expect(rows.get(again.sendId)).toMatchObject({ state: 'skipped', reason: 'frequency-cap' });
  });

  it('defers outside opening hours without holding the partition, and sends at the opening', async () => {
    const opensAt = Date.now() + 4000;
    // Fake hours for one store only: 'night-owl' opens in 4 s, lola-shoes is open.
    const hours = {
      isOpen: (at: Date, s: { storeId: string }) => s.storeId !== 'night-owl' || at.getTime() >= opensAt,
      nextOpening: (after: Date, s: { storeId: string }) =>
        s.storeId !== 'night-owl' ? after : new Date(Math.max(after.getTime(), opensAt)),
    };
    const env = await isolatedEnvironment('defer');
    const sim = await startSimulator();
    sims.push(sim);
    await produceSettings(env, storeSettings());
    await produceSettings(env, storeSettings({ storeId: 'night-owl' }));
    senders.push(await startSender(env, sim, {}, { ...realLibraries, openings: hours }));
    const late = sendDue('late', { storeId: 'night-owl', sendId: 'night-owl:late:1' });
    // Same partition key space, produced after: must not wait behind the deferred one.
    const open = sendDue('open');
    const expired = sendDue('too-late', { notAfter: new Date(Date.now() - 1000).toISOString() });
    const neverInTime = sendDue('never', {
      storeId: 'night-owl',
      sendId: 'night-owl:never:1',
      notAfter: new Date(opensAt - 1000).toISOString(),
    });
    await produceSendDue(env, [late, open, expired, neverInTime]);
    const early = await outcomesUntil(
      env,
      (o) => statusOf(o, open.sendId).includes('sent') && statusOf(o, late.sendId).length > 0,
    );
    expect(Date.now()).toBeLessThan(opensAt);
    expect(statusOf(early, late.sendId)).toEqual(['deferred']);
    expect(early.find((o) => o.sendId === late.sendId)!.reason).toBe('outside-opening-hours');
    expect(statusOf(early, expired.sendId)).toEqual(['expired']);
    expect(statusOf(early, neverInTime.sendId)).toEqual(['expired']);
    const outcomes = await outcomesUntil(env, (o) => statusOf(o, late.sendId).includes('sent'));
    const [message] = sim.record.findMessages({ bizOpaqueCallbackData: late.sendId });
    expect(message.acceptedAt).toBeGreaterThanOrEqual(opensAt);
    expect(statusOf(outcomes, late.sendId).slice(0, 2)).toEqual(['deferred', 'sent']);
    expect(sim.record.findAttempts({ bizOpaqueCallbackData: expired.sendId })).toHaveLength(0);
    expect(sim.record.findAttempts({ bizOpaqueCallbackData: neverInTime.sendId })).toHaveLength(0);
  });

  it('decides a message deferred to an opening that passed while it was down against the purchase made meanwhile', async () => {
    const opensAt = Date.now() + 6000;
    const hours = {
      isOpen: (at: Date) => at.getTime() >= opensAt,
      nextOpening: (after: Date) => new Date(Math.max(after.getTime(), opensAt)),
    };
    const libraries = { ...realLibraries, openings: hours };
    const env = await isolatedEnvironment('defer-down');
    const sim = await startSimulator();
    sims.push(sim);
    await produceSettings(env, storeSettings());
    const before = await startSender(env, sim, {}, libraries);
    const bought = sendDue('bought-while-down');
    await produceSendDue(env, [bought]);
    await outcomesUntil(env, (o) => statusOf(o, bought.sendId).includes('deferred'));
    await before.close();

    // While the sender is down: the shopper buys, and the opening passes.
    await produce(env.topic(TOPIC.cartEvents), [
      {
        key: cartKey(STORE, bought.cartId),
        value: {
          schemaVersion: 1,
          eventId: 'e-bought-while-down',
          type: 'cart.converted',
          occurredAt: new Date().toISOString(),
          storeId: STORE,
          cartId: bought.cartId,
          orderId: 'o-7',
          total: '59.90',
          currency: 'EUR',
        },
      },
    ]);
    await sleep(Math.max(0, opensAt - Date.now()) + 500);

    senders.push(await startSender(env, sim, {}, libraries));
    const outcomes = await outcomesUntil(env, (o) => statusOf(o, bought.sendId).length >= 2);
    expect(statusOf(outcomes, bought.sendId)).toEqual(['deferred', 'skipped']);
    expect(outcomes.find((o) => o.sendId === bought.sendId && o.status === 'skipped')!.reason).toBe('converted');
    expect(sim.record.findAttempts({ bizOpaqueCallbackData: bought.sendId })).toHaveLength(0);
  });

  it('defers to the real next opening of a closed store', async () => {
    const closedToday = storeSettings({
      storeId: 'sunday-shop',
      timezone: 'UTC',
      openingHours: { mon: [], tue: [], wed: [], thu: [], fri: [], sat: [], sun: [] },
    });
    const weekday = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'][(new Date().getUTCDay() + 2) % 7];
    closedToday.openingHours = { ...closedToday.openingHours, [weekday]: [['10:00', '11:00']] };
    const { env, sim } = await setup('closed', closedToday);
    const due = sendDue('later', { storeId: 'sunday-shop', sendId: 'sunday-shop:later:1' });
    await produceSendDue(env, [due]);
    await outcomesUntil(env, (o) => statusOf(o, due.sendId).includes('deferred'));
    const db = await database(env.schema);
    const { rows } = await db.query('SELECT state, deferred_until FROM messages WHERE send_id = $1', [due.sendId]);
    await db.close();
    const until = new Date(rows[0].deferred_until);
    expect(rows[0].state).toBe('deferred');
    expect(until.getUTCHours()).toBe(10);
    expect(until.getUTCMinutes()).toBe(0);
    expect(until.getTime() - Date.now()).toBeGreaterThan(24 * 3_600_000);
    expect(sim.record.attempts).toHaveLength(0);
  });

  it('handles a sendId once whatever Kafka redelivers', async () => {
    const { env, sim } = await setup('dup');
    const due = sendDue('dup');
    await produce(env.topic(TOPIC.sendDue), [{ key: `${STORE}:broken`, value: '{"schemaVersion":1,"sendId":' }]);
    await produceSendDue(env, [due, due, due]);
    await outcomesUntil(env, (o) => statusOf(o, due.sendId).includes('sent'));
    const before = (await outcomesUntil(env, (o) => statusOf(o, due.sendId).includes('read'))).length;
    await produceSendDue(env, [due]); // again, after it went out: its outcome is announced again, nothing sent
    const after = await outcomesUntil(env, (o) => o.length > before);
    expect(after.slice(before).map((o) => o.status)).toEqual(['read']);
    const [dead] = await readTopic(testKafka(), env.topic(`${TOPIC.sendDue}-dlq`), 1);
    expect(dead.headers['dlq-reason']).toBe('not-json');
    expect(sim.record.findAttempts({ bizOpaqueCallbackData: due.sendId })).toHaveLength(1);
    expect(sim.record.findMessages({ bizOpaqueCallbackData: due.sendId })).toHaveLength(1);
  });

  it('fails permanent errors at once without retrying', async () => {
    const { env, sim } = await setup('permanent');
    const gone = sendDue('gone');
    await sim.faults.notOnWhatsApp(gone.customer.phone.replace('+', ''));
    await produceSendDue(env, [gone]);
    const outcomes = await outcomesUntil(env, (o) => statusOf(o, gone.sendId).includes('failed'));
    expect(outcomes.find((o) => o.sendId === gone.sendId)!.reason).toMatch(/^131026/);
    expect(sim.record.findAttempts({ bizOpaqueCallbackData: gone.sendId })).toHaveLength(1);
    expect((await rowsOf(env)).get(gone.sendId)).toMatchObject({ state: 'failed', attempts: 1 });
    // The shopper was never reached: the frequency slot is given back for their next cart.
    const next = sendDue('gone-next', { customer: gone.customer });
    await sim.faults.clear();
    await produceSendDue(env, [next]);
    const later = await outcomesUntil(env, (o) => statusOf(o, next.sendId).includes('sent'));
    expect(statusOf(later, next.sendId)).toContain('sent');
  });

  it('pauses a store whose token is rejected, with a log line, and resumes it with a new token', async () => {
    const { env, sim, sender } = await setup('paused');
    sim.faults.revokeToken(TOKEN);
    const held = sendDue('held');
    await produceSendDue(env, [held]);
    const outcomes = await outcomesUntil(env, (o) => statusOf(o, held.sendId).includes('deferred'));
    expect(outcomes.find((o) => o.sendId === held.sendId)!.reason).toBe('store-paused');
    expect(sender.logs.join('')).toMatch(/"alert":"store-paused".*"storeId":"lola-shoes".*"code":190/);
    expect(sender.logs.join('')).not.toContain(TOKEN);
    const metrics = await (await fetch(`${sender.url}/metrics`)).text();
    expect(metrics).toMatch(/sender_store_paused_total\{[^}]*store_id="lola-shoes"[^}]*\} 1/);
    const second = sendDue('held-too');
    await produceSendDue(env, [second]);
    await outcomesUntil(env, (o) => statusOf(o, second.sendId).includes('deferred'));
    expect(sim.record.findAttempts({ bizOpaqueCallbackData: second.sendId })).toHaveLength(0); // paused: not even tried
    // Held, but not past its notAfter.
    const shortLived = sendDue('short-lived', { notAfter: new Date(Date.now() + 2500).toISOString() });
    await produceSendDue(env, [shortLived]);
    const expired = await outcomesUntil(env, (o) => statusOf(o, shortLived.sendId).includes('expired'));
    expect(statusOf(expired, shortLived.sendId)).toEqual(['deferred', 'expired']);
    const newToken = 'store-token-renewed-987654';
    sim.updateSettings({ tokens: { [PHONE_NUMBER_ID]: newToken } });
    await produceSettings(
      env,
      storeSettings({ whatsapp: { phoneNumberId: PHONE_NUMBER_ID, mode: 'text', accessToken: newToken } }),
    );
    const after = await outcomesUntil(
      env,
      (o) => statusOf(o, held.sendId).includes('sent') && statusOf(o, second.sendId).includes('sent'),
    );
    expect(statusOf(after, held.sendId)).toContain('sent');
    expect(sim.record.findMessages({ bizOpaqueCallbackData: held.sendId })).toHaveLength(1);
  });

  it('sends an approved template with its body parameters and URL button in template mode', async () => {
    const settings = templateStore({ templateCategory: 'marketing' });
    const { env, sim } = await setup('template', settings);
    const due = sendDue('tpl');
    await produceSendDue(env, [due]);
    await outcomesUntil(env, (o) => statusOf(o, due.sendId).includes('sent'));
    // /marketing_messages takes no biz_opaque_callback_data: the message is found by its recipient.
    const [message] = sim.record.findMessages({ to: due.customer.phone });
    expect(message).toMatchObject({ type: 'template', templateName: 'cart_reminder', endpoint: 'marketing_messages' });
    expect(message.bizOpaqueCallbackData).toBeUndefined();
    const row = (await rowsOf(env)).get(due.sendId)!;
    expect(row.rendered_text).toContain('Zapatería Lola');
  });

  it("sends a shopper drawn into an A/B variant that variant's message, and the store's own to the others", async () => {
    const settings = storeSettings({
      experiments: {
        holdoutPercent: 0,
        variants: [
          { id: 'plain', weight: 1 },
          {
            id: 'short',
            weight: 1,
            messageTemplates: { es: '¡{{store.name}} te guarda el carrito! {{recoveryLink}}' },
          },
        ],
      },
    });
    const { env, sim } = await setup('variants', settings);
    const short = sendDue('v-short', { variant: 'short' });
    const plain = sendDue('v-plain', { variant: 'plain' });
    const gone = sendDue('v-gone', { variant: 'removed-since' });
    await produceSendDue(env, [short, plain, gone]);
    await outcomesUntil(env, (o) => [short, plain, gone].every((d) => statusOf(o, d.sendId).includes('sent')));
    const textOf = (sendId: string) => sim.record.findMessages({ bizOpaqueCallbackData: sendId })[0].text!;
    expect(textOf(short.sendId)).toMatch(/^¡Zapatería Lola te guarda el carrito! https:\/\//);
    // The variant without its own message, and one removed from the settings: the store's own.
    for (const own of [plain, gone]) {
      expect(textOf(own.sendId)).toContain('te guardamos el carrito'); // the shipped Spanish message
      expect(textOf(own.sendId)).not.toContain('te guarda el carrito');
    }
  });

  it('sends each shopper the template in their language when it is approved in several (Spanish and English)', async () => {
    const settings = templateStore({ templateLanguages: ['es', 'en_US'] });
    // The simulator refuses a language the template is not approved in (132001), as Meta does.
    const approved = (language: string) => ({
      name: 'cart_reminder',
      language,
      category: 'MARKETING' as const,
      bodyParameters: 3,
    });
    const { env, sim } = await setup(
      'template-languages',
      settings,
      {},
      { templates: [approved('es'), approved('en_US')] },
    );
    const spanish = sendDue('tpl-es');
    const english = sendDue('tpl-en', { customer: { ...spanish.customer, phone: freshPhone(), locale: 'en-GB' } });
    const french = sendDue('tpl-fr', { customer: { ...spanish.customer, phone: freshPhone(), locale: 'fr-FR' } });
    await produceSendDue(env, [spanish, english, french]);
    await outcomesUntil(env, (o) => [spanish, english, french].every((d) => statusOf(o, d.sendId).includes('sent')));
    const languageOf = (d: SendDue) =>
      sim.record.findMessages({ bizOpaqueCallbackData: d.sendId }).map((m) => m.language);
    expect(languageOf(spanish)).toEqual(['es']);
    expect(languageOf(english)).toEqual(['en_US']);
    expect(languageOf(french)).toEqual(['es']); // not approved in French: the store's language
  });
});

describe('sender webhooks', () => {
  let env: Environment;
  let sim: WhatsAppSimulator;
  let sender: RunningSender;
  beforeAll(async () => {
    ({ env, sim, sender } = await setup('webhooks'));
  });

  it('answers the verification handshake with the configured token only', async () => {
    expect(await sim.verifyWebhook(VERIFY_TOKEN, 'challenge-123')).toMatchObject({ verified: true });
    expect(await sim.verifyWebhook('wrong-token', 'challenge-123')).toMatchObject({ verified: false });
  });

  it('refuses unsigned and badly signed webhooks with 401 and changes nothing', async () => {
    const due = sendDue('signed');
    await produceSendDue(env, [due]);
    await outcomesUntil(env, (o) => statusOf(o, due.sendId).includes('read'));
    const [message] = sim.record.findMessages({ bizOpaqueCallbackData: due.sendId });
    const body = JSON.stringify({
      object: 'whatsapp_business_account',
      entry: [
        {
          id: 'W',
          changes: [
            {
              field: 'messages',
              value: {
                metadata: { phone_number_id: PHONE_NUMBER_ID },
                statuses: [
                  { id: message.wamid, status: 'failed', timestamp: '1764000000', errors: [{ code: 131026 }] },
                ],
              },
            },
          ],
        },
      ],
    });
    const post = (headers: Record<string, string>) =>
      fetch(`${sender.url}/v1/webhooks/whatsapp`, {
        method: 'POST',
        body,
        headers: { 'content-type': 'application/json', ...headers },
      });
    expect((await post({})).status).toBe(401);
    expect((await post({ 'x-hub-signature-256': webhookSignature(body, 'not-the-secret') })).status).toBe(401);
    expect((await post({ 'x-hub-signature-256': webhookSignature(`${body} `, APP_SECRET) })).status).toBe(401);
    expect((await rowsOf(env)).get(due.sendId)!.state).toBe('read');
    // The same body signed right is taken (a failed after read leaves it read, recorded in history).
    expect((await post({ 'x-hub-signature-256': webhookSignature(body, APP_SECRET) })).status).toBe(200);
    const row = (await rowsOf(env)).get(due.sendId)!;
    expect(row.state).toBe('read');
    expect(row.history.map((h: { status: string }) => h.status)).toContain('failed');
  });

  it('ends at read whatever order and repetition the statuses come in, announcing each once', async () => {
    sim.updateSettings({ webhooks: { outOfOrderProbability: 1, duplicateProbability: 1 } });
    const dues = [sendDue('ooo-1'), sendDue('ooo-2'), sendDue('ooo-3')];
    await produceSendDue(env, dues);
    const outcomes = await outcomesUntil(env, (o) =>
      dues.every((d) => statusOf(o, d.sendId).includes('read') && statusOf(o, d.sendId).includes('delivered')),
    );
    await sim.webhooksIdle();
    sim.updateSettings({ webhooks: { outOfOrderProbability: 0, duplicateProbability: 0 } });
    const rows = await rowsOf(env);
    for (const d of dues) {
      expect(rows.get(d.sendId)!.state).toBe('read');
      expect(statusOf(outcomes, d.sendId).sort()).toEqual(['delivered', 'read', 'sent']);
    }
  });

  it('a failed status after acceptance fails the message and gives the shopper slot back', async () => {
    const due = sendDue('fails-later');
    sim.faults.failAfterAccept(due.customer.phone.replace('+', ''), 131026);
    await produceSendDue(env, [due]);
    const outcomes = await outcomesUntil(env, (o) => statusOf(o, due.sendId).includes('failed'));
    expect(outcomes.find((o) => o.sendId === due.sendId && o.status === 'failed')!.reason).toBe('131026');
    expect((await rowsOf(env)).get(due.sendId)).toMatchObject({ state: 'failed' });
    const next = sendDue('fails-later-next', { customer: due.customer });
    await sleep(6500); // the pair pace of the simulator for this recipient
    await produceSendDue(env, [next]);
    const later = await outcomesUntil(env, (o) => statusOf(o, next.sendId).length > 0);
    expect(statusOf(later, next.sendId)[0]).toBe('sent');
  });

  it('records and announces opt-out replies in both languages, and skips the shopper afterwards', async () => {
    const spanish = sendDue('baja');
    const english = sendDue('stop');
    const chatty = sendDue('chatty');
    await produceSendDue(env, [spanish, english, chatty]);
    await outcomesUntil(env, (o) => [spanish, english, chatty].every((d) => statusOf(o, d.sendId).includes('sent')));
    const digits = (p: string) => p.replace('+', '');
    await sim.replyFromShopper({ from: digits(spanish.customer.phone), text: 'Bája ', phoneNumberId: PHONE_NUMBER_ID });
    await sim.replyFromShopper({ from: digits(english.customer.phone), text: 'stop!', phoneNumberId: PHONE_NUMBER_ID });
    await sim.replyFromShopper({
      from: digits(chatty.customer.phone),
      text: 'Gracias, mañana compro',
      phoneNumberId: PHONE_NUMBER_ID,
    });
    const outcomes = await outcomesUntil(env, (o) => o.filter((x) => x.type === 'customer.opted-out').length >= 2);
    const optOuts = outcomes.filter((o) => o.type === 'customer.opted-out');
    expect(optOuts.map((o) => o.phone).sort()).toEqual([english.customer.phone, spanish.customer.phone].sort());
    expect(optOuts.every((o) => o.storeId === STORE)).toBe(true);
    const db = await database(env.schema);
    const { rows } = await db.query('SELECT phone, source FROM opt_outs ORDER BY phone');
    await db.close();
    expect(rows.map((r) => r.phone).sort()).toEqual([english.customer.phone, spanish.customer.phone].sort());
    const again = sendDue('baja-again', { customer: spanish.customer });
    await produceSendDue(env, [again]);
    const later = await outcomesUntil(env, (o) => statusOf(o, again.sendId).length > 0);
    expect(later.find((o) => o.sendId === again.sendId)).toMatchObject({ status: 'skipped', reason: 'opted-out' });
  });
});
