import type { WhatsAppSimulator } from '../../../test/whatsapp-simulator';
import {
  database,
  isolatedEnvironment,
  outcomesUntil,
  produceSendDue,
  produceSettings,
  RunningSender,
  sendDue,
  sleep,
  spawnSender,
  startSender,
  startSimulator,
  storeSettings,
} from './harness';

const sims: WhatsAppSimulator[] = [];
const senders: RunningSender[] = [];
afterAll(async () => {
  await Promise.all(senders.map((s) => s.close().catch(() => undefined)));
  await Promise.all(sims.map((s) => s.close()));
});

/** SendIds announced as gone out (a `sent` webhook to a dead process may leave only delivered/read). */
const sentIds = (outcomes: Array<{ sendId?: string; status?: string }>) =>
  new Set(outcomes.filter((o) => ['sent', 'delivered', 'read'].includes(o.status!)).map((o) => o.sendId));

describe('sender under faults', () => {
  it('ends with every message sent exactly once when 30% of calls fail with 429, 5xx, timeouts or lost answers', async () => {
    const env = await isolatedEnvironment('flaky');
    const sim = await startSimulator();
    sims.push(sim);
    await produceSettings(env, storeSettings());
    senders.push(await startSender(env, sim));
    sim.faults.failRandomly({
      probability: 0.3,
      failures: [
        { kind: 'error', code: 4 }, // HTTP 429, app call limit
        { kind: 'error', code: 130429 }, // throughput
        { kind: 'error', code: 131000, httpStatus: 500 },
        { kind: 'error', code: 131016, httpStatus: 503 },
        { kind: 'hang' }, // no answer, not processed: the client times out
        { kind: 'lose-answer' }, // processed, never answered: only the webhook knows
      ],
    });
    const dues = Array.from({ length: 60 }, (_, i) => sendDue(`flaky-${i}`));
    await produceSendDue(env, dues);
    const outcomes = await outcomesUntil(env, (o) => dues.every((d) => sentIds(o).has(d.sendId)), 90_000);
    sim.faults.clear();
    const faulted = sim.record.attempts.filter((a) => a.fault).length;
    expect(faulted).toBeGreaterThan(5); // the faults did happen
    for (const d of dues) {
      expect(sentIds(outcomes).has(d.sendId)).toBe(true);
      expect(sim.record.findMessages({ bizOpaqueCallbackData: d.sendId })).toHaveLength(1);
    }
    const db = await database(env.schema);
    const { rows } = await db.query(`SELECT state, count(*)::int AS n FROM messages GROUP BY state`);
    await db.close();
    expect(rows.every((r) => ['sent', 'delivered', 'read'].includes(r.state))).toBe(true);
  });

  it('kill -9 of the sender mid-batch: after a restart no sendId was called twice, and every intent was sent or is unknown', async () => {
    const env = await isolatedEnvironment('kill');
    const sim = await startSimulator({
      latencyMs: 150,
      limits: { throughputPerSecond: 80, pairRate: false },
      // Meta retries webhooks for days; the restarted sender answers only once it rejoined its groups.
      webhooks: {
        delaysMs: { sent: 50, delivered: 150, read: 300 },
        retry: { maxAttempts: 20, firstDelayMs: 500, maxDelayMs: 5000 },
      },
    });
    sims.push(sim);
    await produceSettings(env, storeSettings());
    const extra = {
      SENDER_TAKE_OVER_AFTER_MS: '3000',
      SENDER_UNKNOWN_AFTER_MS: '8000',
      WHATSAPP_THROUGHPUT_PER_SECOND: '40',
    };
    const first = await spawnSender(env, sim, extra);
    const dues = Array.from({ length: 240 }, (_, i) => sendDue(`kill-${i}`));
    await produceSendDue(env, dues);
    // Mid-batch: some calls answered, some in flight, most intents waiting for the limiter.
    for (let i = 0; sim.record.attempts.length < 30 && i < 300; i++) await sleep(100);
    expect(sim.record.attempts.length).toBeLessThan(dues.length);
    first.process.kill('SIGKILL');
    await first.exited;
    const calledBeforeKill = sim.record.attempts.length;

    const second = await spawnSender(env, sim, extra);
    try {
      // Settled: every intent went out (an outcome says so) or, called when the process died
      // and never answered nor confirmed by a webhook, was marked unknown.
      const states = async () => {
        const db = await database(env.schema);
        const { rows } = await db.query('SELECT send_id, state, called_at FROM messages');
        await db.close();
        return new Map(rows.map((r) => [r.send_id as string, r as { state: string; called_at: Date | null }]));
      };
      const until = Date.now() + 120_000;
      let rows = await states();
      while (Date.now() < until && (rows.size < dues.length || [...rows.values()].some((r) => r.state === 'sending'))) {
        await sleep(1000);
        rows = await states();
      }
      await sim.webhooksIdle();
      const outcomes = await outcomesUntil(
        env,
        (o) => dues.every((d) => sentIds(o).has(d.sendId) || rows.get(d.sendId)?.state === 'unknown'),
        30_000,
      );
      const uncertain: string[] = [];
      for (const d of dues) {
        const calls = sim.record.findAttempts({ bizOpaqueCallbackData: d.sendId }).length;
        expect(calls).toBeLessThanOrEqual(1); // never twice
        if (calls === 1) {
          expect(sim.record.findMessages({ bizOpaqueCallbackData: d.sendId })).toHaveLength(1);
          expect(sentIds(outcomes).has(d.sendId)).toBe(true);
        } else {
          // Killed between "called" recorded and the request leaving: not sent again, by design.
          expect(rows.get(d.sendId)).toMatchObject({ state: 'unknown' });
          expect(rows.get(d.sendId)!.called_at).not.toBeNull();
          uncertain.push(d.sendId);
        }
      }
      expect(calledBeforeKill).toBeGreaterThan(0);
      // Only what was between the mark and the request at the kill (a group of marks at 40/s).
      expect(uncertain.length).toBeLessThanOrEqual(10);
    } finally {
      second.process.kill('SIGTERM');
      await second.exited;
    }
  });

  it('SIGTERM while sending: the running batch finishes, the process exits 0, nothing is sent twice after a restart', async () => {
    const env = await isolatedEnvironment('sigterm');
    const sim = await startSimulator({ latencyMs: 100, limits: { throughputPerSecond: 80, pairRate: false } });
    sims.push(sim);
    await produceSettings(env, storeSettings());
    const extra = { WHATSAPP_THROUGHPUT_PER_SECOND: '20' };
    const first = await spawnSender(env, sim, extra);
    const dues = Array.from({ length: 60 }, (_, i) => sendDue(`term-${i}`));
    await produceSendDue(env, dues);
    for (let i = 0; sim.record.attempts.length < 5 && i < 300; i++) await sleep(100);
    first.process.kill('SIGTERM');
    const [code] = (await first.exited) as [number | null];
    expect(code).toBe(0);
    expect(first.logs.join('\n')).toContain('stopped cleanly');
    const second = await spawnSender(env, sim, extra);
    try {
      const outcomes = await outcomesUntil(env, (o) => dues.every((d) => sentIds(o).has(d.sendId)), 90_000);
      expect(dues.filter((d) => !sentIds(outcomes).has(d.sendId))).toEqual([]);
      for (const d of dues) expect(sim.record.findAttempts({ bizOpaqueCallbackData: d.sendId })).toHaveLength(1);
    } finally {
      second.process.kill('SIGTERM');
      await second.exited;
    }
  });
});
