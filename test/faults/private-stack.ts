/**
 * A stack of the fault test's own: its own Kafka broker (own STACK_DIR and ports) and an
 * embedded PostgreSQL, so stopping them disturbs no other test or developer sharing the
 * machine. PostgreSQL is reached through a TCP proxy on a fixed port: a restart may move the
 * server to another port, the services keep the address they were given.
 */
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stackDown, stackUp, startKafka, stopKafka } from '../../scripts/stack';
import { stackPaths } from '../../scripts/stack/paths';
import { runningEmbedded, startEmbedded, stopEmbedded } from '../../scripts/stack/postgres/embedded';
import { freePort } from '../support/services';
import { TcpProxy } from '../support/tcp-proxy';

export interface PrivateStack {
  kafkaBrokers: string;
  /** Through the proxy. */
  databaseUrl: string;
  stopKafka(): Promise<void>;
  startKafka(): Promise<void>;
  /** Drops every connection, stops PostgreSQL (fast shutdown), starts it again. */
  restartPostgres(): Promise<void>;
  down(): Promise<void>;
}

const quiet = () => undefined;

export async function startPrivateStack(): Promise<PrivateStack> {
  const saved = { ...process.env };
  const dir = mkdtempSync(join(tmpdir(), 'faults-stack-'));
  // As root, the embedded PostgreSQL runs as another user, who must reach its data directory.
  chmodSync(dir, 0o755);
  process.env.STACK_DIR = dir;
  process.env.STACK_POSTGRES = 'embedded';
  process.env.STACK_RUNTIME = 'local';
  process.env.KAFKA_PORT = String(await freePort());
  process.env.KAFKA_CONTROLLER_PORT = String(await freePort());
  delete process.env.KAFKA_BROKERS;
  delete process.env.DATABASE_URL;
  const up = await stackUp({ log: quiet, partitions: 6 });

  const db = new URL(up.databaseUrl);
  let proxy = new TcpProxy(db.hostname, Number(db.port));
  await proxy.open();
  const proxied = new URL(up.databaseUrl);
  proxied.host = `127.0.0.1:${proxy.port}`;

  return {
    kafkaBrokers: up.kafkaBrokers,
    databaseUrl: proxied.toString(),
    async stopKafka() {
      await stopKafka({ log: quiet });
    },
    async startKafka() {
      await startKafka({ log: quiet });
    },
    async restartPostgres() {
      const paths = stackPaths().postgres;
      const port = proxy.port;
      await proxy.cut();
      await stopEmbedded(paths);
      await startEmbedded(paths, quiet);
      const running = runningEmbedded(paths);
      if (!running) throw new Error('the embedded PostgreSQL did not come back');
      proxy = new TcpProxy('127.0.0.1', running.port);
      proxy.port = port;
      await proxy.open();
    },
    async down() {
      await proxy.cut().catch(() => undefined);
      await stackDown({ log: quiet, purge: true }).catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
      process.env = saved;
    },
  };
}
