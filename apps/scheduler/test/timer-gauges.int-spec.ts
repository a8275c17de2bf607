import { createDataSource, runMigrations } from '@lib/database';
import { createMetrics } from '@lib/observability';
import { readSchedulerConfig } from '../src/config';
import { schedulerDatabase } from '../src/database';
import { TimerGauges } from '../src/timers/timer-gauges';

// The timer queue's gauges on a real schema, no timer loop running: what they say is what the
// carts table holds.
describe('timer queue gauges', () => {
  const schema = `sched_gauges_${Date.now()}`;
  const config = readSchedulerConfig({
    KAFKA_BROKERS: 'unused:9092',
    DATABASE_URL: process.env.DATABASE_URL!,
    DATABASE_SCHEMA: schema,
  });
  const dataSource = createDataSource(schedulerDatabase(config));

  afterAll(async () => {
    await dataSource.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await dataSource.destroy();
  });

  const value = async (metrics: ReturnType<typeof createMetrics>, name: string) =>
    Number(new RegExp(`^${name}\\{service="scheduler"\\} (\\S+)$`, 'm').exec(await metrics.registry.metrics())?.[1]);

  it('counts the carts with a timer, those due, and how late the oldest due one is', async () => {
    await runMigrations(dataSource);
    const metrics = createMetrics('scheduler');
    new TimerGauges(dataSource, metrics);
    expect(await value(metrics, 'scheduler_timers_pending')).toBe(0);
    expect(await value(metrics, 'scheduler_timers_overdue_seconds')).toBe(0);

    const cart = (id: string, timerAt: string | null) =>
      dataSource.query(
        `INSERT INTO carts (store_id, cart_id, version, facts, episode, status, timer_at, timer_kind)
         VALUES ('s', $1, 1, '{}', 1, 'scheduled', ${timerAt ?? 'NULL'}, ${timerAt ? `'send'` : 'NULL'})`,
        [id],
      );
    await cart('late', `now() - interval '90 seconds'`);
    await cart('due', `now() - interval '5 seconds'`);
    await cart('later', `now() + interval '1 hour'`);
    await cart('idle', null);
    await new Promise((r) => setTimeout(r, 150)); // the last scrape's figures are kept for 100 ms

    expect(await value(metrics, 'scheduler_timers_pending')).toBe(3);
    expect(await value(metrics, 'scheduler_timers_due')).toBe(2);
    const overdue = await value(metrics, 'scheduler_timers_overdue_seconds');
    expect(overdue).toBeGreaterThanOrEqual(90);
    expect(overdue).toBeLessThan(120);
  });
});
