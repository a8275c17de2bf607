// Meta's webhooks as they are since 2026, end to end on the real broker and database with the
// WhatsApp simulator: business-scoped user ids (statuses without the phone settle; the pair of
// a phone and its BSUID is learnt; an opt-out by BSUID alone holds, also one that came before
// the pair), pricing per message, 131049 (limited by Meta: the shopper held 24 h), and the
// template webhooks (category updates recorded, a paused template holding the store's sends
// until approved again).
import { userIdOf, type WhatsAppSimulator } from '../../../test/whatsapp-simulator';
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
  STORE,
  storeSettings,
  TOKEN,
} from './harness';

/** The simulator's business account (entry id of its webhooks), which scopes the BSUIDs. */
const WABA = '100000000000001';

const sims: WhatsAppSimulator[] = [];
const senders: RunningSender[] = [];
afterAll(async () => {
  await Promise.all(senders.map((s) => s.close().catch(() => undefined)));
  await Promise.all(sims.map((s) => s.close()));
});

async function setup(label: string, settings = storeSettings(), simulator: Parameters<typeof startSimulator>[0] = {}) {
  const env = await isolatedEnvironment(label);
  const sim = await startSimulator(simulator);
  sims.push(sim);
  await produceSettings(env, settings);
  const sender = await startSender(env, sim);
  senders.push(sender);
  return { env, sim, sender };
}

const statusOf = (outcomes: Array<{ sendId?: string; status?: string }>, sendId: string) =>
  outcomes.filter((o) => o.sendId === sendId).map((o) => o.status);
const digits = (phone: string) => phone.replace('+', '');

async function query<T>(env: Environment, sql: string, values: unknown[] = []): Promise<T[]> {
  const db = await database(env.schema);
  try {
    return (await db.query(sql, values)).rows as T[];
  } finally {
    await db.close();
  }
}

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

describe('business-scoped user ids, pricing and 131049, on the real broker, database and simulator', () => {
  let env: Environment;
  let sim: WhatsAppSimulator;
  let sender: RunningSender;
  beforeAll(async () => {
    ({ env, sim, sender } = await setup('bsuid'));
    // A reply names the business number, which names the store once its settings are read.
    await until(
      () => query(env, 'SELECT 1 FROM store_settings WHERE store_id = $1', [STORE]),
      (rows) => rows.length === 1,
    );
  });

  it('settles statuses that name the shopper by BSUID only, learns the pair and records the pricing', async () => {
    const due = sendDue('bsuid-only');
    sim.identities.set(digits(due.customer.phone), { phoneWithheld: true, parentUserId: true, username: '@ana' });
    await produceSendDue(env, [due]);
    const outcomes = await outcomesUntil(env, (o) => statusOf(o, due.sendId).includes('read'));
    expect(statusOf(outcomes, due.sendId)).toEqual(['sent', 'delivered', 'read']);
    // The webhooks really carried no phone.
    const [message] = sim.record.findMessages({ bizOpaqueCallbackData: due.sendId });
    expect(sim.record.webhooks.filter((w) => w.wamid === message.wamid)).toHaveLength(3);
    const [row] = await query<{ state: string; pricing: unknown }>(
      env,
      'SELECT state, pricing FROM messages WHERE send_id = $1',
      [due.sendId],
    );
    expect(row).toEqual({
      state: 'read',
      pricing: { billable: false, category: 'service', type: 'free_customer_service', pricingModel: 'PMP' },
    });
    const identities = await query(env, 'SELECT store_id, phone, user_id, parent_user_id FROM shopper_identities');
    expect(identities).toEqual([
      {
        store_id: STORE,
        phone: due.customer.phone,
        user_id: userIdOf(digits(due.customer.phone), WABA),
        parent_user_id: expect.stringMatching(/^ES\.ENT\./),
      },
    ]);
  });

  it('opts out a shopper whose reply carries only the BSUID, by the phone it was paired with', async () => {
    const due = sendDue('paired-then-baja');
    const waId = digits(due.customer.phone);
    await produceSendDue(env, [due]);
    await outcomesUntil(env, (o) => statusOf(o, due.sendId).includes('sent'));
    await until(
      () => query(env, 'SELECT 1 FROM shopper_identities WHERE phone = $1', [due.customer.phone]),
      (rows) => rows.length === 1,
    );
    sim.identities.set(waId, { phoneWithheld: true });
    const reply = await sim.replyFromShopper({ from: waId, text: 'BAJA', phoneNumberId: PHONE_NUMBER_ID });
    expect(reply.delivery?.outcome).toBe('delivered');
    const outcomes = await outcomesUntil(env, (o) =>
      o.some((x) => x.type === 'customer.opted-out' && x.phone === due.customer.phone),
    );
    expect(outcomes.filter((o) => o.type === 'customer.opted-out' && o.phone === due.customer.phone)).toEqual([
      expect.objectContaining({ storeId: STORE, phone: due.customer.phone }),
    ]);
    const again = sendDue('paired-then-baja-again', { customer: due.customer });
    await produceSendDue(env, [again]);
    const later = await outcomesUntil(env, (o) => statusOf(o, again.sendId).length > 0);
    expect(later.find((o) => o.sendId === again.sendId)).toMatchObject({ status: 'skipped', reason: 'opted-out' });
  });

  it('keeps an opt-out by a BSUID never paired, and applies it by phone once a webhook pairs it', async () => {
    const phone = freshPhone();
    const waId = digits(phone);
    sim.identities.set(waId, { phoneWithheld: true });
    await sim.replyFromShopper({ from: waId, text: 'stop', phoneNumberId: PHONE_NUMBER_ID });
    const pending = await until(
      () => query<{ store_id: string; user_id: string }>(env, 'SELECT store_id, user_id FROM pending_opt_outs'),
      (rows) => rows.length > 0,
    );
    expect(pending).toEqual([{ store_id: STORE, user_id: userIdOf(waId, WABA) }]);
    expect(await query(env, 'SELECT 1 FROM opt_outs WHERE phone = $1', [phone])).toEqual([]);
    // The first message goes (nothing links the BSUID to this phone yet); its `sent` pairs them.
    const first = sendDue('pending-first', { customer: { phone, firstName: 'Bea', locale: 'es-ES' } });
    await produceSendDue(env, [first]);
    const outcomes = await outcomesUntil(env, (o) =>
      o.some((x) => x.type === 'customer.opted-out' && x.phone === phone),
    );
    expect(outcomes.find((o) => o.type === 'customer.opted-out' && o.phone === phone)).toMatchObject({
      storeId: STORE,
    });
    // Recorded by the webhook, or first by the facts consumer reading the announcement back.
    expect(await query(env, 'SELECT source FROM opt_outs WHERE phone = $1', [phone])).toEqual([
      { source: expect.stringMatching(/^(reply-bsuid|message-outcomes)$/) },
    ]);
    expect(await query(env, 'SELECT 1 FROM pending_opt_outs')).toEqual([]);
    const second = sendDue('pending-second', { customer: first.customer });
    await produceSendDue(env, [second]);
    const later = await outcomesUntil(env, (o) => statusOf(o, second.sendId).length > 0);
    expect(later.find((o) => o.sendId === second.sendId)).toMatchObject({ status: 'skipped', reason: 'opted-out' });
  });

  it('131049 (limited by Meta): counted per store with its own reason, the slot back, the shopper held 24 h', async () => {
    const due = sendDue('limited');
    sim.faults.failAfterAccept(digits(due.customer.phone), 131049);
    await produceSendDue(env, [due]);
    const outcomes = await outcomesUntil(env, (o) => statusOf(o, due.sendId).includes('failed'));
    expect(outcomes.find((o) => o.sendId === due.sendId && o.status === 'failed')!.reason).toBe(
      '131049: limited-by-meta',
    );
    const [limit] = await until(
      () => query<{ until: Date }>(env, 'SELECT until FROM marketing_limits WHERE phone = $1', [due.customer.phone]),
      (rows) => rows.length === 1,
    );
    const hours = (new Date(limit.until).getTime() - Date.now()) / 3_600_000;
    expect(hours).toBeGreaterThan(23.9);
    expect(hours).toBeLessThanOrEqual(24);
    // The frequency slot went back (the shopper was not reached)…
    expect(await query(env, 'SELECT 1 FROM contacts WHERE phone = $1', [due.customer.phone])).toEqual([]);
    expect(await metricsOf(sender)).toMatch(
      new RegExp(`sender_limited_by_meta_total\\{[^}]*store_id="${STORE}"[^}]*\\} 1`),
    );
    // …but no message goes to that shopper within 24 hours, skipped as limited by Meta.
    const next = sendDue('limited-next', { customer: due.customer });
    await produceSendDue(env, [next]);
    const later = await outcomesUntil(env, (o) => statusOf(o, next.sendId).length > 0);
    expect(later.find((o) => o.sendId === next.sendId)).toMatchObject({ status: 'skipped', reason: 'limited-by-meta' });
    expect(sim.record.findMessages({ to: due.customer.phone })).toHaveLength(1);
  });
});

describe('template webhooks on the real broker, database and simulator', () => {
  const approved = { name: 'cart_reminder', language: 'es', category: 'MARKETING' as const, bodyParameters: 3 };
  let env: Environment;
  let sim: WhatsAppSimulator;
  let sender: RunningSender;
  const templateSettings = (templateName: string) =>
    storeSettings({
      whatsapp: {
        phoneNumberId: PHONE_NUMBER_ID,
        accessToken: TOKEN,
        mode: 'template',
        templateName,
        templateLanguage: 'es',
      },
    });
  beforeAll(async () => {
    const settings = templateSettings('cart_reminder');
    ({ env, sim, sender } = await setup('templates', settings, {
      templates: [approved, { ...approved, name: 'cart_reminder_v2' }],
    }));
    // A first message: its webhooks tell the sender which business account the number is in.
    const first = sendDue('tpl-first');
    await produceSendDue(env, [first]);
    expect(
      statusOf(await outcomesUntil(env, (o) => statusOf(o, first.sendId).includes('sent')), first.sendId),
    ).toContain('sent');
    const numbers = await until(
      () => query(env, 'SELECT waba_id FROM business_numbers WHERE phone_number_id = $1', [PHONE_NUMBER_ID]),
      (rows) => rows.length === 1,
    );
    expect(numbers).toEqual([{ waba_id: WABA }]);
  });

  it('records the latest category of a template: the impending change, then the completed one', async () => {
    await sim.templateWebhook({
      kind: 'category-impending',
      name: 'cart_reminder',
      language: 'es',
      currentCategory: 'UTILITY',
      correctCategory: 'MARKETING',
    });
    const [impending] = await until(
      () =>
        query<{ category: string; impending_category: string | null }>(
          env,
          'SELECT category, impending_category FROM whatsapp_templates WHERE name = $1',
          ['cart_reminder'],
        ),
      (rows) => rows.length === 1,
    );
    expect(impending).toEqual({ category: 'UTILITY', impending_category: 'MARKETING' });
    await sim.templateWebhook({
      kind: 'category-completed',
      name: 'cart_reminder',
      language: 'es',
      previousCategory: 'UTILITY',
      newCategory: 'MARKETING',
    });
    const [completed] = await until(
      () =>
        query<{ category: string; impending_category: string | null }>(
          env,
          'SELECT category, impending_category FROM whatsapp_templates WHERE name = $1',
          ['cart_reminder'],
        ),
      (rows) => rows[0]?.category === 'MARKETING',
    );
    expect(completed).toEqual({ category: 'MARKETING', impending_category: null });
    expect(await metricsOf(sender)).toMatch(/sender_template_webhooks_total\{[^}]*kind="category-completed"[^}]*\} 1/);
  });

  it("a paused template holds the store's sends with an alert metric; approved again, they go out", async () => {
    await sim.templateWebhook({
      kind: 'status',
      event: 'PAUSED',
      name: 'cart_reminder',
      language: 'es',
      reason: 'LOW_QUALITY',
    });
    await until(
      () => query<{ status: string }>(env, 'SELECT status FROM whatsapp_templates WHERE name = $1', ['cart_reminder']),
      (rows) => rows[0]?.status === 'PAUSED',
    );
    const metrics = await metricsOf(sender);
    expect(metrics).toMatch(
      new RegExp(
        `sender_template_paused_total\\{[^}]*store_id="${STORE}",template="cart_reminder",status="PAUSED"[^}]*\\} 1`,
      ),
    );
    expect(metrics).toMatch(/sender_templates_paused\{[^}]*\} 1/);
    const held = sendDue('tpl-held');
    await produceSendDue(env, [held]);
    const deferred = await outcomesUntil(env, (o) => statusOf(o, held.sendId).length > 0);
    expect(deferred.find((o) => o.sendId === held.sendId)).toMatchObject({
      status: 'deferred',
      reason: 'store-paused',
    });
    await sleep(1000);
    // By recipient: the template is MARKETING now (the category test above), so it goes by
    // /marketing_messages, which carries no callback data.
    expect(sim.record.findMessages({ to: held.customer.phone })).toHaveLength(0);

    await sim.templateWebhook({ kind: 'status', event: 'APPROVED', name: 'cart_reminder', language: 'es' });
    const sent = await outcomesUntil(env, (o) => statusOf(o, held.sendId).includes('sent'));
    expect(statusOf(sent, held.sendId).slice(0, 2)).toEqual(['deferred', 'sent']);
    // Sent as the category Meta gave the template last (MARKETING), not as the store declared it.
    expect(sim.record.findMessages({ to: held.customer.phone }).map((m) => m.endpoint)).toEqual(['marketing_messages']);
    expect(await metricsOf(sender)).toMatch(/sender_templates_paused\{[^}]*\} 0/);
  });

  it('a store held by a disabled template sends again once its settings name another template', async () => {
    await sim.templateWebhook({ kind: 'status', event: 'DISABLED', name: 'cart_reminder', language: 'es' });
    await until(
      () => query<{ status: string }>(env, 'SELECT status FROM whatsapp_templates WHERE name = $1', ['cart_reminder']),
      (rows) => rows[0]?.status === 'DISABLED',
    );
    const held = sendDue('tpl-disabled');
    await produceSendDue(env, [held]);
    const deferred = await outcomesUntil(env, (o) => statusOf(o, held.sendId).length > 0);
    expect(deferred.find((o) => o.sendId === held.sendId)).toMatchObject({
      status: 'deferred',
      reason: 'store-paused',
    });
    await produceSettings(env, templateSettings('cart_reminder_v2'));
    const sent = await outcomesUntil(env, (o) => statusOf(o, held.sendId).includes('sent'));
    expect(statusOf(sent, held.sendId).slice(0, 2)).toEqual(['deferred', 'sent']);
    expect(sim.record.findMessages({ bizOpaqueCallbackData: held.sendId })).toEqual([
      expect.objectContaining({ templateName: 'cart_reminder_v2' }),
    ]);
  });
});
