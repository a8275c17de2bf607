import { DLQ_HEADER, TOPIC } from '@lib/contracts';
import {
  ABANDON_MS,
  cartEvent,
  closeDatabases,
  database,
  groupOf,
  isolatedEnvironment,
  phoneOf,
  produce,
  produceCartEvents,
  readSendDue,
  readTopic,
  RunningScheduler,
  sleep,
  startScheduler,
  STORE,
  storeSettings,
  testKafka,
} from './harness';
import { committedVsEnd, eventually } from '../../../test/support/kafka';

const running: RunningScheduler[] = [];
afterAll(async () => {
  await closeDatabases();
  await Promise.all(running.map((s) => s.close().catch(() => undefined)));
});

async function start(env: { prefix: string; schema: string }, extraEnv: Record<string, string> = {}) {
  const s = await startScheduler(env, extraEnv);
  running.push(s);
  return s;
}

describe('scheduler on the real broker and database', () => {
  it('emits exactly one send-due per abandoned cart at its dueAt, never before, with the stable sendId', async () => {
    const env = await isolatedEnvironment('due');
    await produce(env.topic(TOPIC.storeSettings), [{ key: STORE, value: storeSettings() }]);
    await start(env);
    const now = Date.now();
    // detectedAt = occurredAt + 1 min; sendDelay 0: due 3 to 8 s from now.
    const carts = Array.from({ length: 30 }, (_, i) => ({ cartId: `due-${i}`, dueAt: now + 3000 + i * 170 }));
    await produceCartEvents(
      env.topic(TOPIC.cartEvents),
      carts.map((c) => cartEvent(c.cartId, 'checkout.started', c.dueAt - ABANDON_MS)),
    );
    const out = await readSendDue(env.topic(TOPIC.sendDue), carts.length, 30_000);
    expect(out).toHaveLength(carts.length);
    await sleep(1500); // nothing more comes
    expect(await readSendDue(env.topic(TOPIC.sendDue), carts.length + 1, 2000)).toHaveLength(carts.length);
    for (const c of carts) {
      const [record] = out.filter((r) => r.event.cartId === c.cartId);
      expect(record.event.sendId).toBe(`${STORE}:${c.cartId}:1`);
      expect(record.key).toBe(`${STORE}:${c.cartId}`);
      expect(Date.parse(record.event.dueAt)).toBe(c.dueAt);
      expect(record.timestamp).toBeGreaterThanOrEqual(c.dueAt); // never early
      expect(record.timestamp - c.dueAt).toBeLessThan(1500);
      expect(record.event.customer.phone).toBe(phoneOf(c.cartId));
    }
    const db = await database(env.schema);
    const states = await db.query(`SELECT status, count(*)::int AS n FROM carts GROUP BY status`);
    const archived = await db.query(`SELECT count(*)::int AS n FROM abandonments WHERE status = 'emitted'`);
    await db.close();
    expect(states.rows).toEqual([{ status: 'emitted', n: carts.length }]);
    expect(archived.rows[0].n).toBe(carts.length);
  });

  it('replans on activity, cancels on conversion and emptying, ignores older events and duplicates', async () => {
    const env = await isolatedEnvironment('replan');
    await produce(env.topic(TOPIC.storeSettings), [{ key: STORE, value: storeSettings() }]);
    await start(env);
    const now = Date.now();
    const t = (dueIn: number) => now + dueIn - ABANDON_MS; // occurredAt for a cart due `dueIn` ms from now
    const moved = cartEvent('moved', 'cart.updated', t(2000));
    await produceCartEvents(env.topic(TOPIC.cartEvents), [
      moved,
      cartEvent('moved', 'checkout.started', t(6000)), // activity: due later, same episode
      cartEvent('moved', 'cart.updated', t(1000)), // older: changes nothing
      moved, // duplicate
      cartEvent('bought', 'cart.updated', t(3000)),
      cartEvent('bought', 'cart.converted', t(3000) + 1000, { orderId: 'o-1', total: '59.90' }),
      cartEvent('emptied', 'cart.updated', t(3000)),
      cartEvent('emptied', 'cart.emptied', t(3000) + 1000),
      cartEvent('late-order', 'cart.converted', t(3500) + 1000), // the conversion arrives first
      cartEvent('late-order', 'cart.updated', t(3500)),
    ]);
    const out = await readSendDue(env.topic(TOPIC.sendDue), 2, 15_000);
    expect(out.map((r) => r.event.sendId)).toEqual([`${STORE}:moved:1`]);
    expect(out[0].event.dueAt).toBe(new Date(now + 6000).toISOString());
    expect(out[0].timestamp).toBeGreaterThanOrEqual(now + 6000);
    const db = await database(env.schema);
    const { rows } = await db.query(`SELECT cart_id, status, reason, episode FROM carts ORDER BY cart_id`);
    await db.close();
    expect(rows).toEqual([
      { cart_id: 'bought', status: 'cancelled', reason: 'converted', episode: 1 },
      { cart_id: 'emptied', status: 'cancelled', reason: 'emptied', episode: 1 },
      { cart_id: 'late-order', status: 'cancelled', reason: 'converted', episode: 1 },
      { cart_id: 'moved', status: 'emitted', reason: null, episode: 1 },
    ]);
  });

  it('frequency rule: one message per phone per store within minHoursBetweenMessages; opt-outs are never scheduled', async () => {
    const env = await isolatedEnvironment('freq');
    await produce(env.topic(TOPIC.storeSettings), [{ key: STORE, value: storeSettings() }]);
    await start(env);
    const now = Date.now();
    const shopper = { phone: '+34600111222', firstName: 'Ana', whatsappOptIn: true };
    const quitter = { phone: '+34600999888', whatsappOptIn: true };
    await produce(env.topic(TOPIC.messageOutcomes), [
      {
        key: STORE,
        value: {
          schemaVersion: 1,
          type: 'customer.opted-out',
          storeId: STORE,
          phone: quitter.phone,
          at: new Date(now).toISOString(),
        },
      },
    ]);
    const db = await database(env.schema);
    await eventually(
      async () => (await db.query(`SELECT count(*)::int AS n FROM contacts WHERE opted_out_at IS NOT NULL`)).rows[0].n,
      (n) => n === 1,
    );
    await produceCartEvents(env.topic(TOPIC.cartEvents), [
      // Three carts of one shopper in one afternoon: due 2, 2.5 and 3 s from now.
      cartEvent('a1', 'checkout.started', now + 2000 - ABANDON_MS, { customer: shopper }),
      cartEvent('a2', 'checkout.started', now + 2500 - ABANDON_MS, { customer: shopper }),
      cartEvent('a3', 'checkout.started', now + 3000 - ABANDON_MS, { customer: shopper }),
      cartEvent('q1', 'checkout.started', now + 2000 - ABANDON_MS, { customer: quitter }),
    ]);
    const out = await readSendDue(env.topic(TOPIC.sendDue), 2, 10_000);
    expect(out.map((r) => r.event.sendId)).toEqual([`${STORE}:a1:1`]);
    const { rows } = await db.query(`SELECT cart_id, status, reason FROM carts ORDER BY cart_id`);
    expect(rows).toEqual([
      { cart_id: 'a1', status: 'emitted', reason: null },
      { cart_id: 'a2', status: 'skipped', reason: 'frequency-cap' },
      { cart_id: 'a3', status: 'skipped', reason: 'frequency-cap' },
      { cart_id: 'q1', status: 'idle', reason: 'opted-out' },
    ]);

    // An opt-out of a shopper with a cart waiting: the cart is cancelled before its time.
    const waiting = { phone: '+34600555444', whatsappOptIn: true };
    await produceCartEvents(env.topic(TOPIC.cartEvents), [
      cartEvent('w1', 'checkout.started', Date.now() + 4000 - ABANDON_MS, { customer: waiting }),
    ]);
    await eventually(
      async () => (await db.query(`SELECT status FROM carts WHERE cart_id = 'w1'`)).rows[0]?.status,
      (s) => s === 'scheduled',
    );
    await produce(env.topic(TOPIC.messageOutcomes), [
      {
        key: STORE,
        value: {
          schemaVersion: 1,
          type: 'customer.opted-out',
          storeId: STORE,
          phone: waiting.phone,
          at: new Date().toISOString(),
        },
      },
    ]);
    const w1 = await eventually(
      async () => (await db.query(`SELECT status, reason, timer_at FROM carts WHERE cart_id = 'w1'`)).rows[0],
      (r) => r.status === 'idle',
    );
    expect(w1).toEqual({ status: 'idle', reason: 'opted-out', timer_at: null });
    await sleep(5000);
    expect((await readSendDue(env.topic(TOPIC.sendDue), 2, 1500)).map((r) => r.event.cartId)).toEqual(['a1']);
    await db.close();
  });

  it('settings: invalid ones go to the DLQ and leave the previous in force; enabled:false and deletion stop pending carts', async () => {
    const env = await isolatedEnvironment('settings');
    await produce(env.topic(TOPIC.storeSettings), [{ key: STORE, value: storeSettings({ sendDelayMinutes: 0 }) }]);
    await start(env);
    const db = await database(env.schema);
    await eventually(
      async () => (await db.query(`SELECT count(*)::int AS n FROM store_settings`)).rows[0].n,
      (n) => n === 1,
    );
    await produce(env.topic(TOPIC.storeSettings), [
      { key: STORE, value: storeSettings({ timezone: 'Mars/Olympus', sendDelayMinutes: 5 }) },
      { key: STORE, value: '{"storeId":' },
      // Overlapping intervals: only @lib/business-hours sees this one.
      {
        key: STORE,
        value: storeSettings({
          openingHours: {
            ...storeSettings().openingHours,
            mon: [
              ['09:00', '14:00'],
              ['13:00', '20:00'],
            ],
          },
        }),
      },
    ]);
    const dead = await readTopic(testKafka(), env.topic(`${TOPIC.storeSettings}-dlq`), 3);
    expect(dead.map((d) => d.headers[DLQ_HEADER.reason]).sort()).toEqual([
      'invalid-settings',
      'invalid-settings',
      'not-json',
    ]);
    expect(dead.some((d) => d.headers[DLQ_HEADER.error].startsWith('/openingHours'))).toBe(true);
    const kept = await db.query(
      `SELECT settings->>'sendDelayMinutes' AS d, settings->>'timezone' AS tz FROM store_settings`,
    );
    expect(kept.rows).toEqual([{ d: '0', tz: 'Europe/Madrid' }]);

    // Two carts due in 4 s; the store is disabled first, then deleted.
    const due = Date.now() + 4000;
    await produceCartEvents(env.topic(TOPIC.cartEvents), [
      cartEvent('s1', 'checkout.started', due - ABANDON_MS),
      cartEvent('s2', 'checkout.started', due - ABANDON_MS),
    ]);
    await eventually(
      async () => (await db.query(`SELECT count(*)::int AS n FROM carts WHERE status = 'scheduled'`)).rows[0].n,
      (n) => n === 2,
    );
    await produce(env.topic(TOPIC.storeSettings), [{ key: STORE, value: storeSettings({ enabled: false }) }]);
    const disabled = await eventually(
      async () => (await db.query(`SELECT status, timer_at FROM carts ORDER BY cart_id`)).rows,
      (rows) => rows.every((r) => r.status === 'disabled'),
    );
    expect(disabled).toEqual([
      { status: 'disabled', timer_at: null },
      { status: 'disabled', timer_at: null },
    ]);
    const deletedFrom = Date.now();
    await produce(env.topic(TOPIC.storeSettings), [{ key: STORE, value: null }]);
    await eventually(
      async () => (await db.query(`SELECT status FROM carts`)).rows,
      (rows) => rows.every((r) => r.status === 'waiting-settings'),
    );
    // The store's row stays, dated by its tombstone: the grace of RETENTION_DELETED_STORE_DAYS.
    const [deleted] = (await db.query(`SELECT settings, deleted_at FROM store_settings`)).rows;
    expect(deleted.settings).toBeNull();
    expect(deleted.deleted_at.getTime()).toBeGreaterThanOrEqual(deletedFrom - 1000);
    expect(deleted.deleted_at.getTime()).toBeLessThanOrEqual(Date.now());
    await sleep(Math.max(0, due - Date.now()) + 1500);
    expect(await readSendDue(env.topic(TOPIC.sendDue), 1, 1000)).toHaveLength(0);

    // Settings back: the carts are planned again and go out (their time has passed).
    await produce(env.topic(TOPIC.storeSettings), [{ key: STORE, value: storeSettings() }]);
    const out = await readSendDue(env.topic(TOPIC.sendDue), 2, 15_000);
    expect(out.map((r) => r.event.sendId).sort()).toEqual([`${STORE}:s1:1`, `${STORE}:s2:1`]);
    expect((await db.query(`SELECT deleted_at FROM store_settings`)).rows).toEqual([{ deleted_at: null }]);
    await db.close();
  });

  it('bad records on each input go to its DLQ and the partitions move on', async () => {
    const env = await isolatedEnvironment('dlq');
    await produce(env.topic(TOPIC.storeSettings), [{ key: STORE, value: storeSettings() }]);
    await start(env);
    await produce(env.topic(TOPIC.cartEvents), [
      { key: `${STORE}:x`, value: '{not json' },
      { key: `${STORE}:x`, value: { ...cartEvent('x', 'cart.updated', Date.now()), total: 59.9 } },
    ]);
    await produce(env.topic(TOPIC.messageOutcomes), [
      {
        key: `${STORE}:x`,
        value: {
          schemaVersion: 1,
          sendId: 's',
          storeId: STORE,
          cartId: 'x',
          status: 'lost',
          at: new Date().toISOString(),
        },
      },
    ]);
    const cartDead = await readTopic(testKafka(), env.topic(`${TOPIC.cartEvents}-dlq`), 2);
    expect(cartDead.map((d) => d.headers[DLQ_HEADER.reason]).sort()).toEqual(['invalid-money', 'not-json']);
    const outcomeDead = await readTopic(testKafka(), env.topic(`${TOPIC.messageOutcomes}-dlq`), 1);
    expect(outcomeDead[0].headers[DLQ_HEADER.reason]).toBe('invalid-shape');
    for (const topic of [TOPIC.cartEvents, TOPIC.messageOutcomes]) {
      const offsets = await eventually(
        () => committedVsEnd(testKafka(), groupOf(env), env.topic(topic)),
        (o) => o.committed === o.end,
      );
      expect(offsets.committed).toBe(offsets.end);
    }
  });
  it('detection: only carts with items, a reachable opted-in phone and a recovery link; no opening in time expires', async () => {
    const env = await isolatedEnvironment('detect');
    const closedStore = 'closed-shop';
    const none = { mon: [], tue: [], wed: [], thu: [], fri: [], sat: [], sun: [] };
    await produce(env.topic(TOPIC.storeSettings), [
      { key: STORE, value: storeSettings() },
      { key: closedStore, value: storeSettings({ storeId: closedStore, openingHours: none }) },
    ]);
    await start(env);
    const db = await database(env.schema);
    await eventually(
      async () => (await db.query(`SELECT count(*)::int AS n FROM store_settings`)).rows[0].n,
      (n) => n === 2,
    );
    const due = Date.now() + 2500 - ABANDON_MS;
    await produceCartEvents(env.topic(TOPIC.cartEvents), [
      cartEvent('ok', 'cart.updated', due),
      cartEvent('no-optin', 'cart.updated', due, { customer: { phone: '+34600123123', whatsappOptIn: false } }),
      cartEvent('no-phone', 'cart.updated', due, { customer: { firstName: 'Ana', whatsappOptIn: true } }),
      cartEvent('bad-phone', 'cart.updated', due, { customer: { phone: '600123123', whatsappOptIn: true } }),
      cartEvent('no-items', 'cart.updated', due, { items: [] }),
      { ...cartEvent('closed', 'cart.updated', due), storeId: closedStore },
    ]);
    const out = await readSendDue(env.topic(TOPIC.sendDue), 2, 12_000);
    expect(out.map((r) => r.event.cartId)).toEqual(['ok']);
    expect(out[0].event.detectedAt).toBe(new Date(due + ABANDON_MS).toISOString());
    const rows = await eventually(
      async () => (await db.query(`SELECT cart_id, status, reason, timer_at FROM carts ORDER BY cart_id`)).rows,
      (r) => r.find((c) => c.cart_id === 'closed')?.status === 'expired',
    );
    await db.close();
    expect(rows).toEqual([
      { cart_id: 'bad-phone', status: 'idle', reason: 'no-reachable-customer', timer_at: null },
      { cart_id: 'closed', status: 'expired', reason: 'no-opening-in-time', timer_at: null },
      { cart_id: 'no-items', status: 'idle', reason: 'no-items', timer_at: null },
      { cart_id: 'no-optin', status: 'idle', reason: 'no-reachable-customer', timer_at: null },
      { cart_id: 'no-phone', status: 'idle', reason: 'no-reachable-customer', timer_at: null },
      { cart_id: 'ok', status: 'emitted', reason: null, timer_at: null },
    ]);
  });

  it('a new send delay moves the timers of carts not yet due (moved, not duplicated); emitted ones stay', async () => {
    const env = await isolatedEnvironment('delay');
    await produce(env.topic(TOPIC.storeSettings), [{ key: STORE, value: storeSettings() }]);
    await start(env);
    const db = await database(env.schema);
    const soon = Date.now() + 1500;
    const later = Date.now() + 6000;
    await produceCartEvents(env.topic(TOPIC.cartEvents), [
      cartEvent('early', 'checkout.started', soon - ABANDON_MS),
      cartEvent('waiting', 'checkout.started', later - ABANDON_MS),
    ]);
    expect((await readSendDue(env.topic(TOPIC.sendDue), 1, 10_000)).map((r) => r.event.cartId)).toEqual(['early']);
    await produce(env.topic(TOPIC.storeSettings), [{ key: STORE, value: storeSettings({ sendDelayMinutes: 30 }) }]);
    const moved = await eventually(
      async () => (await db.query(`SELECT cart_id, status, due_at, timer_at FROM carts ORDER BY cart_id`)).rows,
      (r) => r[1].due_at?.getTime() === later + 30 * 60_000,
    );
    expect(moved.map((r) => [r.cart_id, r.status, r.timer_at?.getTime() ?? null])).toEqual([
      ['early', 'emitted', null],
      ['waiting', 'scheduled', later + 30 * 60_000],
    ]);
    // Back to no delay: due again at its first time (passed by now or soon), and emitted once.
    await produce(env.topic(TOPIC.storeSettings), [{ key: STORE, value: storeSettings() }]);
    const out = await readSendDue(env.topic(TOPIC.sendDue), 3, 15_000);
    expect(out.map((r) => r.event.cartId)).toEqual(['early', 'waiting']);
    expect(out[1].event.dueAt).toBe(new Date(later).toISOString());
    await db.close();
  });

  it('a cart abandoned again after its message is messaged again only when the frequency rule allows', async () => {
    const env = await isolatedEnvironment('again');
    const otherStore = 'no-cap-shop';
    await produce(env.topic(TOPIC.storeSettings), [
      { key: STORE, value: storeSettings() },
      { key: otherStore, value: storeSettings({ storeId: otherStore, minHoursBetweenMessages: 0 }) },
    ]);
    await start(env);
    const first = Date.now() + 1500;
    await produceCartEvents(env.topic(TOPIC.cartEvents), [
      cartEvent('back', 'cart.updated', first - ABANDON_MS),
      { ...cartEvent('back', 'cart.updated', first - ABANDON_MS), storeId: otherStore },
    ]);
    expect(await readSendDue(env.topic(TOPIC.sendDue), 2, 10_000)).toHaveLength(2);
    // Back to life after the message (activity after it went out), then away again: abandoned
    // once more abandonAfterMinutes (one minute) later.
    const back = Date.now();
    await produceCartEvents(env.topic(TOPIC.cartEvents), [
      cartEvent('back', 'cart.updated', back),
      { ...cartEvent('back', 'cart.updated', back), storeId: otherStore },
    ]);
    const out = await readSendDue(env.topic(TOPIC.sendDue), 3, ABANDON_MS + 15_000);
    expect(out.map((r) => r.event.sendId).sort()).toEqual([
      `${STORE}:back:1`,
      `${otherStore}:back:1`,
      `${otherStore}:back:2`,
    ]);
    const db = await database(env.schema);
    const rows = await eventually(
      async () => (await db.query(`SELECT store_id, episode, status, reason FROM abandonments ORDER BY 1, 2`)).rows,
      (r) => r.length === 4,
    );
    await db.close();
    expect(await readSendDue(env.topic(TOPIC.sendDue), 4, 1500)).toHaveLength(3);
    expect(rows).toEqual([
      { store_id: STORE, episode: 1, status: 'emitted', reason: null },
      { store_id: STORE, episode: 2, status: 'skipped', reason: 'frequency-cap' },
      { store_id: otherStore, episode: 1, status: 'emitted', reason: null },
      { store_id: otherStore, episode: 2, status: 'emitted', reason: null },
    ]);
  });
});
