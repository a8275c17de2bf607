import { cartKey, MessageOutcome, TOPIC } from '@lib/contracts';
import { eventually } from '../../../test/support/kafka';
import {
  ABANDON_MS,
  API_KEY,
  cartEvent,
  closeDatabases,
  database,
  isolatedEnvironment,
  phoneOf,
  produce,
  produceCartEvents,
  readSendDue,
  RunningScheduler,
  startScheduler,
  STORE,
  storeSettings,
} from './harness';

let scheduler: RunningScheduler | undefined;
afterAll(async () => {
  await closeDatabases();
  await scheduler?.close();
});

describe('GET /v1/stores/{storeId}/stats over a scripted history', () => {
  it('counts abandoned, scheduled, sent… and attributes conversions after a sent message as recovered', async () => {
    const env = await isolatedEnvironment('stats');
    const topic = (name: string) => `${env.prefix}${name}`;
    // The store's attribution windows come with its settings on the topic (a 72 h click window).
    await produce(topic(TOPIC.storeSettings), [
      { key: STORE, value: storeSettings({ attribution: { clickWindowHours: 72, messageWindowHours: 24 } }) },
    ]);
    scheduler = await startScheduler(env);
    const db = await database(env.schema);
    const t0 = Date.now();
    const dueIn = (ms: number) => t0 + ms - ABANDON_MS;
    const usd = { currency: 'USD', total: '20.00' };

    // r1 (EUR) and r2 (USD) go out and are bought after; f1 fails; s1 is skipped by the sender;
    // dup shares r1's phone and is held back by the frequency rule; c1 is bought after it
    // counted as abandoned but before its message; q1 is bought before it ever counted.
    await produceCartEvents(topic(TOPIC.cartEvents), [
      cartEvent('r1', 'checkout.started', dueIn(2000)),
      cartEvent('r2', 'checkout.started', dueIn(2000), usd),
      cartEvent('f1', 'checkout.started', dueIn(2000)),
      cartEvent('s1', 'checkout.started', dueIn(2000)),
      cartEvent('dup', 'checkout.started', dueIn(2300), {
        customer: { phone: phoneOf('r1'), whatsappOptIn: true },
      }),
      cartEvent('c1', 'cart.updated', t0 - 2 * ABANDON_MS),
      cartEvent('c1', 'cart.converted', t0 - 10_000, { orderId: 'o-c1', total: '59.90', currency: 'EUR' }),
      cartEvent('q1', 'cart.updated', t0 - 20_000),
      cartEvent('q1', 'cart.converted', t0 - 10_000, { orderId: 'o-q1', total: '59.90', currency: 'EUR' }),
    ]);
    const emitted = await readSendDue(topic(TOPIC.sendDue), 4, 20_000);
    expect(emitted.map((r) => r.event.cartId).sort()).toEqual(['f1', 'r1', 'r2', 's1']);

    const at = (ms: number) => new Date(Date.now() + ms).toISOString();
    const outcome = (
      cartId: string,
      status: MessageOutcome['status'],
      ms: number,
      reason: string | null = null,
      pricing?: MessageOutcome['pricing'],
    ) => ({
      key: cartKey(STORE, cartId),
      value: {
        schemaVersion: 1,
        sendId: `${STORE}:${cartId}:1`,
        storeId: STORE,
        cartId,
        status,
        reason,
        ...(pricing ? { pricing } : {}),
        at: at(ms),
      },
    });
    const marketing = { billable: true, category: 'marketing', type: 'regular' };
    await produce(topic(TOPIC.messageOutcomes), [
      outcome('r1', 'sent', 0, null, marketing),
      outcome('r1', 'read', 200), // out of order: read before delivered
      outcome('r1', 'delivered', 100),
      outcome('r1', 'sent', 0), // duplicate
      // r2 was held back by Meta (a paced template) and released while the store was closed.
      outcome('r2', 'paced', -100, 'held_for_quality_assessment'),
      outcome('r2', 'sent', 0, 'released-after-closing', marketing),
      // f1 failed for Meta's per-user marketing limit.
      outcome('f1', 'failed', 0, '131049: limited-by-meta', { billable: false, category: 'marketing' }),
      outcome('s1', 'skipped', 0, 'disabled'),
      outcome('s1', 'skipped', 50, 'duplicate'), // a re-emission dropped: says nothing
    ]);
    await eventually(
      async () => (await db.query('SELECT count(*)::int AS n FROM message_outcomes')).rows[0].n,
      (n) => n === 4,
    );
    await produceCartEvents(topic(TOPIC.cartEvents), [
      cartEvent('r1', 'cart.converted', Date.now() + 1000, { orderId: 'o-r1', total: '59.90' }),
      cartEvent('r2', 'cart.converted', Date.now() + 1000, { orderId: 'o-r2', total: '25.00', currency: 'USD' }),
      cartEvent('f1', 'cart.converted', Date.now() + 1000, { orderId: 'o-f1', total: '59.90' }), // message never arrived
    ]);
    await eventually(
      async () =>
        (await db.query('SELECT count(*)::int AS n FROM carts WHERE converted_at IS NOT NULL')).rows[0].n as number,
      (n) => n === 5,
    );
    // dup waits on r1's contact hold until r1's outcome is read, then fires: a busy machine can
    // get here first, so the stats are read once its episode closed.
    await eventually(
      async () =>
        (await db.query(`SELECT count(*)::int AS n FROM abandonments WHERE cart_id = 'dup' AND status = 'skipped'`))
          .rows[0].n as number,
      (n) => n === 1,
    );
    await db.close();

    const from = new Date(t0 - 3_600_000).toISOString();
    const to = new Date(t0 + 3_600_000).toISOString();
    const url = `${scheduler.url}/v1/stores/${STORE}/stats?from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}`;
    const res = await fetch(url, { headers: { authorization: `Bearer ${API_KEY}` } });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      storeId: STORE,
      from,
      to,
      abandoned: 6, // r1 r2 f1 s1 dup c1 (not q1)
      scheduled: 6,
      pending: 0,
      cancelled: 1,
      emitted: 4,
      sent: 2,
      delivered: 1,
      read: 1,
      clicked: 0, // no link-clicks in this history (apps/scheduler/test/link-clicks.int-spec.ts)
      failed: 1,
      deferred: 0,
      expired: 0,
      paced: 1,
      releasedAfterClosing: 1,
      limitedByMeta: 1,
      skipped: { total: 2, byReason: { disabled: 1, 'frequency-cap': 1 } },
      recovered: 2,
      recoveredRevenue: { EUR: '59.90', USD: '25.00' },
      recoveryRate: 0.3333,
      recoveryRateOfSent: 1,
      // r1 was bought a second after its delivery (within 24 h): after message; r2's message
      // never reported a delivery, so its order is an order after a message, not attributed.
      attribution: {
        clickWindowHours: 72,
        messageWindowHours: 24,
        recoveredAfterClick: { orders: 0, revenue: {} },
        recoveredAfterMessage: { orders: 1, revenue: { EUR: '59.90' } },
        notAttributed: { orders: 1, revenue: { USD: '25.00' } },
      },
      // Meta billed r1 and r2 (marketing), not the failed f1: one message per recovered order.
      cost: {
        billableMessages: 2,
        billableByCategory: { marketing: 2 },
        messagesPerRecoveredOrder: 1,
        billableMessagesPerRecoveredOrder: 1,
      },
    });

    // The same two, counted as their conversions were merged.
    expect((await scheduler.metrics.recovered.get()).values[0].value).toBe(2);

    // An empty window elsewhere in time, the API key, and the window checks.
    const empty = await fetch(`${scheduler.url}/v1/stores/${STORE}/stats?from=2020-01-01&to=2020-02-01`, {
      headers: { authorization: `Bearer ${API_KEY}` },
    });
    expect(await empty.json()).toMatchObject({ abandoned: 0, recovered: 0, recoveryRate: 0, recoveredRevenue: {} });
    expect((await fetch(url)).status).toBe(401);
    expect((await fetch(url, { headers: { authorization: 'Bearer wrong' } })).status).toBe(401);
    const bad = await fetch(`${scheduler.url}/v1/stores/${STORE}/stats?from=yesterday`, {
      headers: { authorization: `Bearer ${API_KEY}` },
    });
    expect(bad.status).toBe(400);
  });
});
