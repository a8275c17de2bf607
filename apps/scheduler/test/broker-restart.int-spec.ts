import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TOPIC } from '@lib/contracts';
import { stackDown, stackUp, startKafka, stopKafka } from '../../../scripts/stack';
import { committedVsEnd, eventually, testKafka } from '../../../test/support/kafka';
import { freePort } from '../../../test/support/services';
import {
  ABANDON_MS,
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

// A broker of this file's own (its own STACK_DIR and ports), so stopping it cannot disturb the
// other test files; PostgreSQL is the shared one (DATABASE_URL), in a schema of its own.
describe('a broker restart in the middle of the due timers', () => {
  const saved = { ...process.env };
  let scheduler: RunningScheduler | undefined;
  const quiet = () => undefined;

  afterAll(async () => {
    await closeDatabases();
    await scheduler?.close().catch(() => undefined);
    await stackDown({ log: quiet }).catch(() => undefined);
    process.env = saved;
  });

  it('loses no timer and fires none early: every cart is emitted once the broker is back', async () => {
    process.env.STACK_DIR = mkdtempSync(join(tmpdir(), 'scheduler-broker-'));
    process.env.KAFKA_PORT = String(await freePort());
    process.env.KAFKA_CONTROLLER_PORT = String(await freePort());
    delete process.env.KAFKA_BROKERS; // global setup points it at the shared broker
    const up = await stackUp({ log: quiet, partitions: 3 });
    process.env.KAFKA_BROKERS = up.kafkaBrokers; // read by the harness at each call

    const env = await isolatedEnvironment('broker');
    await produce(`${env.prefix}${TOPIC.storeSettings}`, [{ key: STORE, value: storeSettings() }]);
    scheduler = await startScheduler(env);
    const count = 300;
    const start = Date.now() + 3000;
    const carts = Array.from({ length: count }, (_, i) => ({ cartId: `br-${i}`, dueAt: start + i * 50 }));
    await produceCartEvents(
      `${env.prefix}${TOPIC.cartEvents}`,
      carts.map((c) => cartEvent(c.cartId, 'checkout.started', c.dueAt - ABANDON_MS)),
    );
    const sendDue = `${env.prefix}${TOPIC.sendDue}`;
    const before = await readSendDue(sendDue, 30, 20_000);
    expect(before.length).toBeGreaterThanOrEqual(30);

    await stopKafka({ log: quiet }); // mid-stream: most carts fall due while it is away
    const db = await database(env.schema);
    const emittedBefore = (await db.query(`SELECT count(*)::int AS n FROM carts WHERE status = 'emitted'`)).rows[0].n;
    expect(emittedBefore).toBeLessThan(count / 2);
    await new Promise((r) => setTimeout(r, 8000));
    await startKafka({ log: quiet });

    const emitted = await eventually(
      async () => (await db.query(`SELECT count(*)::int AS n FROM carts WHERE status = 'emitted'`)).rows[0].n,
      (n) => n === count,
      120_000,
    );
    expect(emitted).toBe(count);
    // Every record on the topic: a claim cut at the ack may have written one twice (same sendId).
    const { end } = await committedVsEnd(testKafka(), 'none', sendDue);
    const out = await readSendDue(sendDue, end, 30_000);
    expect(out).toHaveLength(end);
    expect(new Set(out.map((r) => r.event.sendId)).size).toBe(count);
    for (const r of out) expect(r.timestamp).toBeGreaterThanOrEqual(Date.parse(r.event.dueAt));
    const rows = await db.query(`SELECT status, count(*)::int AS n FROM carts GROUP BY status`);
    const archived = await db.query(`SELECT count(DISTINCT send_id)::int AS n FROM abandonments`);
    await db.close();
    expect(rows.rows).toEqual([{ status: 'emitted', n: count }]);
    expect(archived.rows[0].n).toBe(count);
  });
});
