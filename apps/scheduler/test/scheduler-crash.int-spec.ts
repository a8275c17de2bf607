import { TOPIC } from '@lib/contracts';
import { eventually } from '../../../test/support/kafka';
import {
  ABANDON_MS,
  cartEvent,
  closeDatabases,
  database,
  isolatedEnvironment,
  phoneOf,
  produce,
  produceCartEvents,
  readSendDue,
  RunningScheduler,
  SchedulerProcess,
  spawnScheduler,
  startScheduler,
  STORE,
  storeSettings,
} from './harness';

const processes: SchedulerProcess[] = [];
const inProcess: RunningScheduler[] = [];
afterAll(async () => {
  await closeDatabases();
  await Promise.all(processes.map((p) => p.kill('SIGKILL')));
  await Promise.all(inProcess.map((s) => s.close().catch(() => undefined)));
});

async function spawn(env: { prefix: string; schema: string }) {
  const p = await spawnScheduler(env);
  processes.push(p);
  await p.ready();
  return p;
}

type Db = Awaited<ReturnType<typeof database>>;

/**
 * The test's own transaction writes, uncommitted, a row the scheduler's claim transaction will
 * need: that transaction then waits on it at a known point, holding its claimed cart, until
 * the test lets go. No fault hook in the service: only a lock, as another writer would take.
 */
async function blockOn(schema: string, sql: string, params: unknown[]) {
  const blocker = await database(schema);
  await blocker.query('BEGIN');
  await blocker.query(sql, params);
  const [{ pid }] = (await blocker.query('SELECT pg_backend_pid() AS pid')).rows;
  return {
    /** The scheduler's backend waiting on the test's row, once it waits. */
    async waiter(db: Db): Promise<number> {
      const pid_ = await eventually(
        async () =>
          (await db.query(`SELECT pid FROM pg_stat_activity WHERE $1 = ANY(pg_blocking_pids(pid))`, [pid])).rows[0]
            ?.pid as number | undefined,
        (p) => p !== undefined,
        30_000,
      );
      if (pid_ === undefined) throw new Error('the scheduler never waited on the test row');
      return pid_;
    },
    async release() {
      await blocker.query('ROLLBACK');
      await blocker.close();
    },
  };
}

/** Whether the cart's row is locked by another transaction (a claim holds it). */
async function isLocked(db: Db, cartId: string): Promise<boolean> {
  try {
    await db.query('SELECT 1 FROM carts WHERE store_id = $1 AND cart_id = $2 FOR UPDATE NOWAIT', [STORE, cartId]);
    return false;
  } catch (err) {
    if ((err as { code?: string }).code === '55P03') return true;
    throw err;
  }
}

/** A backend whose client was killed ends when it next talks to it; wait until it did. */
async function gone(db: Db, pid: number): Promise<void> {
  const left = await eventually(
    async () => (await db.query('SELECT count(*)::int AS n FROM pg_stat_activity WHERE pid = $1', [pid])).rows[0].n,
    (n) => n === 0,
    30_000,
  );
  expect(left).toBe(0);
}

describe('durable timers across a kill -9 and between two instances', () => {
  it('kill -9 after claiming a due cart, before its send-due is acknowledged: a restart emits it, same sendId', async () => {
    const env = await isolatedEnvironment('crash-claim');
    await produce(`${env.prefix}${TOPIC.storeSettings}`, [{ key: STORE, value: storeSettings() }]);
    const first = await spawn(env);
    const db = await database(env.schema);
    const cartId = 'killed-before-ack';
    // The frequency rule inserts the shopper's contact row after the claim, before producing.
    const block = await blockOn(env.schema, 'INSERT INTO contacts (store_id, phone) VALUES ($1, $2)', [
      STORE,
      phoneOf(cartId),
    ]);
    await produceCartEvents(`${env.prefix}${TOPIC.cartEvents}`, [
      cartEvent(cartId, 'checkout.started', Date.now() + 1500 - ABANDON_MS),
    ]);
    const claimer = await block.waiter(db);
    expect(await isLocked(db, cartId)).toBe(true); // claimed
    expect(await readSendDue(`${env.prefix}${TOPIC.sendDue}`, 1, 1500)).toHaveLength(0); // not emitted

    expect(await first.kill('SIGKILL')).toEqual({ code: null, signal: 'SIGKILL' });
    await block.release();
    await gone(db, claimer); // its transaction rolled back: the cart is due again, unclaimed
    expect((await db.query(`SELECT status FROM carts WHERE cart_id = $1`, [cartId])).rows).toEqual([
      { status: 'scheduled' },
    ]);

    await spawn(env);
    const out = await readSendDue(`${env.prefix}${TOPIC.sendDue}`, 2, 15_000);
    expect(out.map((r) => r.event.sendId)).toEqual([`${STORE}:${cartId}:1`]);
    const rows = await db.query(`SELECT status, send_id FROM carts WHERE cart_id = $1`, [cartId]);
    expect(rows.rows).toEqual([{ status: 'emitted', send_id: `${STORE}:${cartId}:1` }]);
    await db.close();
  });

  it('kill -9 after the acknowledgement, before the commit: the restart emits it again with the same sendId', async () => {
    const env = await isolatedEnvironment('crash-ack');
    await produce(`${env.prefix}${TOPIC.storeSettings}`, [{ key: STORE, value: storeSettings() }]);
    const first = await spawn(env);
    const db = await database(env.schema);
    const cartId = 'killed-after-ack';
    const sendId = `${STORE}:${cartId}:1`;
    // Archiving the closed episode is the claim transaction's last write, after Kafka's ack.
    const block = await blockOn(
      env.schema,
      `INSERT INTO abandonments (store_id, cart_id, episode, status, detected_at, closed_at)
       VALUES ($1, $2, 1, 'expired', now(), now())`,
      [STORE, cartId],
    );
    await produceCartEvents(`${env.prefix}${TOPIC.cartEvents}`, [
      cartEvent(cartId, 'checkout.started', Date.now() + 1500 - ABANDON_MS),
    ]);
    const claimer = await block.waiter(db);
    const acked = await readSendDue(`${env.prefix}${TOPIC.sendDue}`, 1, 10_000);
    expect(acked.map((r) => r.event.sendId)).toEqual([sendId]);
    expect(await isLocked(db, cartId)).toBe(true); // not committed: still claimed

    await first.kill('SIGKILL');
    await block.release();
    await gone(db, claimer);
    expect((await db.query(`SELECT status FROM carts WHERE cart_id = $1`, [cartId])).rows).toEqual([
      { status: 'scheduled' },
    ]);

    await spawn(env);
    const out = await readSendDue(`${env.prefix}${TOPIC.sendDue}`, 3, 15_000);
    // Emitted twice, one sendId: the sender drops the second.
    expect(out.map((r) => r.event.sendId)).toEqual([sendId, sendId]);
    expect(out[1].value).toBe(out[0].value);
    const archived = await db.query(`SELECT status, send_id FROM abandonments WHERE cart_id = $1`, [cartId]);
    expect(archived.rows).toEqual([{ status: 'emitted', send_id: sendId }]);
    await db.close();
  });

  it('two instances split the carts and the due timers, and no cart is emitted twice', async () => {
    const env = await isolatedEnvironment('two');
    await produce(`${env.prefix}${TOPIC.storeSettings}`, [{ key: STORE, value: storeSettings() }]);
    // Small batches so that both instances' workers claim side by side.
    const extra = { SCHEDULER_TIMER_BATCH_SIZE: '20', SCHEDULER_TIMER_MIN_GAP_MS: '0' };
    const a = await startScheduler(env, extra);
    const b = await startScheduler(env, extra);
    inProcess.push(a, b);
    const count = 800;
    const start = Date.now() + 6000;
    const carts = Array.from({ length: count }, (_, i) => ({ cartId: `two-${i}`, dueAt: start + (i % 40) * 50 }));
    await produceCartEvents(
      `${env.prefix}${TOPIC.cartEvents}`,
      carts.map((c) => cartEvent(c.cartId, 'checkout.started', c.dueAt - ABANDON_MS)),
    );
    const out = await readSendDue(`${env.prefix}${TOPIC.sendDue}`, count + 1, 30_000);
    expect(out).toHaveLength(count);
    expect(new Set(out.map((r) => r.event.sendId)).size).toBe(count);
    for (const r of out) expect(r.timestamp).toBeGreaterThanOrEqual(Date.parse(r.event.dueAt));

    const emittedBy = async (s: RunningScheduler) =>
      (await s.metrics.timersFired.get()).values.find((v) => v.labels.result === 'emitted')?.value ?? 0;
    const [byA, byB] = [await emittedBy(a), await emittedBy(b)];
    expect(byA + byB).toBe(count);
    expect(byA).toBeGreaterThan(0);
    expect(byB).toBeGreaterThan(0);
    const eventsBy = async (s: RunningScheduler) => (await s.metrics.cartEvents.get()).values[0]?.value ?? 0;
    expect((await eventsBy(a)) + (await eventsBy(b))).toBeGreaterThanOrEqual(count);
  });
  it('an instance leaving mid-stream (rebalance) loses no timer: the other emits the rest', async () => {
    const env = await isolatedEnvironment('leave');
    await produce(`${env.prefix}${TOPIC.storeSettings}`, [{ key: STORE, value: storeSettings() }]);
    const extra = { SCHEDULER_TIMER_BATCH_SIZE: '20', SCHEDULER_TIMER_MIN_GAP_MS: '0' };
    const a = await startScheduler(env, extra);
    const b = await startScheduler(env, extra);
    inProcess.push(a, b);
    const count = 400;
    const start = Date.now() + 5000;
    const carts = Array.from({ length: count }, (_, i) => ({ cartId: `leave-${i}`, dueAt: start + i * 20 }));
    await produceCartEvents(
      `${env.prefix}${TOPIC.cartEvents}`,
      carts.map((c) => cartEvent(c.cartId, 'checkout.started', c.dueAt - ABANDON_MS)),
    );
    await readSendDue(`${env.prefix}${TOPIC.sendDue}`, 60, 20_000);
    await a.close(); // its running claim finishes (emitted and marked, or rolled back)
    const out = await readSendDue(`${env.prefix}${TOPIC.sendDue}`, count, 30_000);
    expect(new Set(out.map((r) => r.event.sendId)).size).toBe(count);
    expect(out).toHaveLength(count);
    for (const r of out) expect(r.timestamp).toBeGreaterThanOrEqual(Date.parse(r.event.dueAt));
    const db = await database(env.schema);
    const { rows } = await db.query(`SELECT status, count(*)::int AS n FROM carts GROUP BY status`);
    await db.close();
    expect(rows).toEqual([{ status: 'emitted', n: count }]);
  });
});
