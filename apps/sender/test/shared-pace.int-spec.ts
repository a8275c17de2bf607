import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { createDataSource, runMigrations } from '@lib/database';
import { senderMigrations } from '../src/migrations';
import { NumberPaceRepository } from '../src/deliver/number-pace.repository';
import { ThroughputGrant, ThroughputLimiter } from '../src/whatsapp/throughput-limiter';
import { database } from './harness';

// Several limiters sharing one database, each with its own connection pool, as separate
// sender processes would: together they must keep every number to its limit.

const schema = `sender_pace_${randomUUID().slice(0, 8)}`;
const pools: DataSource[] = [];

async function pool(): Promise<DataSource> {
  const ds = createDataSource({
    url: process.env.DATABASE_URL!,
    schema,
    entities: [],
    migrations: senderMigrations,
    poolSize: 4,
  });
  await runMigrations(ds);
  pools.push(ds);
  return ds;
}

async function limiter(overrides: Record<string, number> = {}): Promise<ThroughputLimiter> {
  return new ThroughputLimiter({
    perSecond: 80,
    perSecondByPhoneNumber: overrides,
    pairRate: false,
    sharedPace: new NumberPaceRepository(await pool()),
  });
}

/** The most of `times` (ms, any order) inside any window of `windowMs` (a time t leaves at t + window). */
function worstWindow(times: number[], windowMs = 1000): number {
  const sorted = [...times].sort((a, b) => a - b);
  let worst = 0;
  for (let head = 0, i = 0; i < sorted.length; i++) {
    while (sorted[head] <= sorted[i] - windowMs) head++;
    worst = Math.max(worst, i - head + 1);
  }
  return worst;
}

interface Granted {
  grant: ThroughputGrant;
  /** When the waiter got it (the local clock of every limiter here is the same performance.now()). */
  at: number;
}

function drive(l: ThroughputLimiter, phoneNumberId: string, sends: number, out: Granted[]): Promise<number> {
  let refused = 0;
  return Promise.all(
    Array.from({ length: sends }, () =>
      l.acquire(phoneNumberId, 'x').then(
        (grant) => void out.push({ grant, at: performance.now() }),
        () => void refused++,
      ),
    ),
  ).then(() => refused);
}

afterAll(async () => {
  const db = await database('public');
  await db.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  await db.close();
  await Promise.all(pools.map((p) => p.destroy()));
});

describe('the shared pace across limiters (number_pace)', () => {
  it('three limiters on one 80/s number and one 400/s number never exceed either limit in any 1-s window', async () => {
    const limiters = await Promise.all([0, 1, 2].map(() => limiter({ '2000': 400 })));
    const slow: Granted[] = [];
    const fast: Granted[] = [];
    const started = performance.now();
    await Promise.all(limiters.flatMap((l) => [drive(l, '1000', 150, slow), drive(l, '2000', 600, fast)]));
    const seconds = (performance.now() - started) / 1000;
    limiters.forEach((l) => l.close());

    expect(slow).toHaveLength(450);
    expect(fast).toHaveLength(1800);
    expect(worstWindow(slow.map((g) => g.at))).toBeLessThanOrEqual(80);
    expect(worstWindow(slow.map((g) => g.grant.at))).toBeLessThanOrEqual(80);
    expect(worstWindow(fast.map((g) => g.at))).toBeLessThanOrEqual(400);
    expect(worstWindow(fast.map((g) => g.grant.at))).toBeLessThanOrEqual(400);
    // Shared, not divided: the three together get most of the full pace (76.2/s and 381/s), far
    // above a third of it (25/s and 127/s), with room for a machine busy with other tests.
    expect(450 / seconds).toBeGreaterThan(50);
    expect(1800 / seconds).toBeGreaterThan(250);
    // Every limiter had its share (no instance starved).
    for (const l of limiters) expect(l.waiting('1000')).toBe(0);
  }, 60_000);

  it('keeps the bound while a limiter joins mid-run and another one dies with slots reserved', async () => {
    const [a, b] = await Promise.all([limiter(), limiter()]);
    const grants: Granted[] = [];
    const runs = [drive(a, '3000', 300, grants), drive(b, '3000', 200, grants)];
    await new Promise((r) => setTimeout(r, 1500));
    const c = await limiter();
    runs.push(drive(c, '3000', 150, grants));
    await new Promise((r) => setTimeout(r, 1500));
    a.close(); // a crash: its waiters never get a grant, its reserved slots are lost
    const refused = await Promise.all(runs);
    b.close();
    c.close();

    expect(refused[0]).toBeGreaterThan(0);
    expect(refused[1] + refused[2]).toBe(0);
    expect(grants.length).toBe(650 - refused[0]);
    expect(worstWindow(grants.map((g) => g.at))).toBeLessThanOrEqual(80);
    expect(worstWindow(grants.map((g) => g.grant.at))).toBeLessThanOrEqual(80);
  }, 60_000);
});
