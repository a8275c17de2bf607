import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stackDown, stackUp, startKafka, stopKafka } from '../../scripts/stack';
import { freePort, RunningService, startService } from '../support/services';
import { TcpProxy } from '../support/tcp-proxy';

// A broker of this file's own (its own STACK_DIR and port), so stopping it cannot disturb the
// other test files; PostgreSQL is reached through a proxy the test cuts.
describe('readiness follows Kafka and PostgreSQL going away and coming back', () => {
  const saved = { ...process.env };
  let service: RunningService | undefined;
  let proxy: TcpProxy | undefined;
  const quiet = () => undefined;

  afterAll(async () => {
    await service?.stop('SIGKILL');
    await proxy?.cut();
    await stackDown({ log: quiet }).catch(() => undefined);
    process.env = saved;
  });

  it('ingest: 503 naming the missing dependency, then 200 again, then a clean stop', async () => {
    process.env.STACK_DIR = mkdtempSync(join(tmpdir(), 'outage-stack-'));
    process.env.KAFKA_PORT = String(await freePort());
    process.env.KAFKA_CONTROLLER_PORT = String(await freePort());
    // Global setup points KAFKA_BROKERS at the shared broker; this file wants its own.
    delete process.env.KAFKA_BROKERS;
    const up = await stackUp({ log: quiet, partitions: 1 });
    const db = new URL(up.databaseUrl);
    proxy = new TcpProxy(db.hostname, Number(db.port || 5432));
    await proxy.open();
    db.host = `127.0.0.1:${proxy.port}`;

    service = await startService('ingest', { KAFKA_BROKERS: up.kafkaBrokers, DATABASE_URL: db.toString() });
    await service.waitUntil((h) => h.status === 200);

    await stopKafka({ log: quiet });
    await service.waitUntil((h) => h.status === 503);
    let health = await service.health();
    expect(health.body.checks.kafka.status).toBe('down');
    expect(health.body.checks.postgres.status).toBe('up');
    expect((await fetch(`${service.url}/health/live`)).status).toBe(200);

    await startKafka({ log: quiet });
    await service.waitUntil((h) => h.status === 200, 90_000);

    await proxy.cut();
    await service.waitUntil((h) => h.status === 503);
    health = await service.health();
    expect(health.body.checks.postgres.status).toBe('down');
    expect(health.body.checks.kafka.status).toBe('up');

    await proxy.open();
    await service.waitUntil((h) => h.status === 200);
    expect(await service.stop('SIGTERM')).toEqual({ code: 0, signal: null });
  });
});
