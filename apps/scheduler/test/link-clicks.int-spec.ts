import { cartKey, TOPIC } from '@lib/contracts';
import { eventually, readTopic, testKafka } from '../../../test/support/kafka';
import { PurgeRepository } from '../src/retention/purge.repository';
import {
  ABANDON_MS,
  API_KEY,
  cartEvent,
  closeDatabases,
  database,
  isolatedEnvironment,
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

describe('link-clicks in the stats (real Kafka and PostgreSQL)', () => {
  it('counts each clicked message once, attributes an order after the click, and keeps both after a purge', async () => {
    const env = await isolatedEnvironment('link-clicks');
    const topic = (name: string) => `${env.prefix}${name}`;
    await produce(topic(TOPIC.storeSettings), [{ key: STORE, value: storeSettings() }]);
    scheduler = await startScheduler(env);
    const db = await database(env.schema);
    const t0 = Date.now();
    const carts = ['k1', 'k2', 'k3'];
    await produceCartEvents(
      topic(TOPIC.cartEvents),
      carts.map((id) => cartEvent(id, 'checkout.started', t0 + 2000 - ABANDON_MS)),
    );
    expect((await readSendDue(topic(TOPIC.sendDue), 3, 20_000)).map((r) => r.event.cartId).sort()).toEqual(carts);

    const at = (ms: number) => new Date(Date.now() + ms).toISOString();
    await produce(
      topic(TOPIC.messageOutcomes),
      carts.map((cartId) => ({
        key: cartKey(STORE, cartId),
        value: {
          schemaVersion: 1,
          sendId: `${STORE}:${cartId}:1`,
          storeId: STORE,
          cartId,
          status: 'sent',
          reason: null,
          at: at(0),
        },
      })),
    );
    // k1 clicked twice (and its first record again, out of order), k2 once, k3 never; one record unreadable.
    const firstClick = at(500);
    const click = (cartId: string, clicks: number, clickedAt: string) => ({
      key: cartKey(STORE, cartId),
      value: {
        schemaVersion: 1,
        sendId: `${STORE}:${cartId}:1`,
        storeId: STORE,
        cartId,
        firstClickedAt: cartId === 'k1' ? firstClick : clickedAt,
        clickedAt,
        clicks,
        userAgentClass: 'mobile',
      },
    });
    await produce(topic(TOPIC.linkClicks), [
      click('k1', 1, firstClick),
      click('k1', 2, at(900)),
      click('k1', 1, firstClick),
      click('k2', 1, at(700)),
      { key: cartKey(STORE, 'k3'), value: { schemaVersion: 1, sendId: 'x' } },
    ]);
    const rows = await eventually(
      async () => (await db.query('SELECT send_id, clicks, first_clicked_at FROM link_clicks ORDER BY send_id')).rows,
      (r) => r.length === 2 && r[0].clicks === 2,
    );
    expect(rows.map((r) => [r.send_id, r.clicks])).toEqual([
      [`${STORE}:k1:1`, 2],
      [`${STORE}:k2:1`, 1],
    ]);
    expect((rows[0].first_clicked_at as Date).toISOString()).toBe(firstClick);
    const [dead] = await readTopic(testKafka(), topic(`${TOPIC.linkClicks}-dlq`), 1);
    expect(dead.headers['dlq-reason']).toBeDefined();

    // k1 is bought after its click: recovered after click, within the default 120 h.
    await produceCartEvents(topic(TOPIC.cartEvents), [
      cartEvent('k1', 'cart.converted', Date.now() + 2000, { orderId: 'o-k1', total: '59.90' }),
    ]);
    await eventually(
      async () => (await db.query(`SELECT count(*)::int AS n FROM carts WHERE converted_at IS NOT NULL`)).rows[0].n,
      (n) => n === 1,
    );

    const from = new Date(
      Date.UTC(new Date(t0).getUTCFullYear(), new Date(t0).getUTCMonth(), new Date(t0).getUTCDate()),
    );
    const to = new Date(from.getTime() + 86_400_000);
    const stats = async () => {
      const url = `${scheduler!.url}/v1/stores/${STORE}/stats?from=${from.toISOString()}&to=${to.toISOString()}`;
      const res = await fetch(url, { headers: { authorization: `Bearer ${API_KEY}` } });
      expect(res.status).toBe(200);
      return (await res.json()) as Record<string, unknown>;
    };
    const before = await stats();
    expect(before).toMatchObject({ sent: 3, clicked: 2, recovered: 1 });
    expect(before.attribution).toMatchObject({ recoveredAfterClick: { orders: 1, revenue: { EUR: '59.90' } } });

    // Purged (as if 200 days had passed): the clicks go with their carts, the counts stay.
    const purge = scheduler.app.get(PurgeRepository);
    const later = new Date(Date.now() + 200 * 86_400_000);
    const batch = await purge.purgeCarts(null, 100, later, { closedCartDays: 30, contactHoldDays: 30 });
    expect(batch.deleted).toMatchObject({ carts: 3, link_clicks: 2 });
    expect((await db.query('SELECT count(*)::int AS n FROM link_clicks')).rows[0].n).toBe(0);
    await db.close();
    expect(await stats()).toEqual(before);
  });
});
