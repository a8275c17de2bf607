/**
 * A stack of the fault test's own: its own Kafka broker (own STACK_DIR and ports) and an
 * embedded PostgreSQL (or that PostgreSQL alone: startPrivatePostgres), so stopping them disturbs no other test or developer sharing the
 * machine. PostgreSQL is reached through a TCP proxy on a fixed port: a restart may move the
 * server to another port, the services keep the address they were given. The operations run
 * in a child process (stack-control.ts).
 */
import { execFile } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
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

/** An embedded PostgreSQL of a test's own, reached directly (for tests that never restart it). */
export interface PrivatePostgres {
  databaseUrl: string;
  /** Stops it and deletes its data. */
  down(): Promise<void>;
}

const ROOT = join(__dirname, '../..');

/** A STACK_DIR of its own and a runner of stack-control.ts commands in it. */
async function privateControl(): Promise<{ dir: string; control: <T>(command: string) => Promise<T> }> {
  const dir = mkdtempSync(join(tmpdir(), 'faults-stack-'));
  // As root, the embedded PostgreSQL runs as another user, who must reach its data directory.
  chmodSync(dir, 0o755);
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    JAVA_HOME: process.env.JAVA_HOME,
    STACK_DIR: dir,
    STACK_POSTGRES: 'embedded',
    STACK_RUNTIME: 'local',
    KAFKA_PORT: String(await freePort()),
    KAFKA_CONTROLLER_PORT: String(await freePort()),
  };
  const control = async <T>(command: string): Promise<T> => {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', join(ROOT, 'test/faults/stack-control.ts'), command],
      { cwd: ROOT, env, timeout: 300_000 },
    );
    return JSON.parse(stdout.trim().split('\n').pop()!) as T;
  };
  return { dir, control };
}

/** Only the embedded PostgreSQL of the private stack (a test that brings a Kafka cluster of its own). */
export async function startPrivatePostgres(): Promise<PrivatePostgres> {
  const { dir, control } = await privateControl();
  const { databaseUrl } = await control<{ databaseUrl: string }>('postgres-up');
  return {
    databaseUrl,
    async down() {
      await control('down').catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export async function startPrivateStack(): Promise<PrivateStack> {
  const { dir, control } = await privateControl();
  const up = await control<{ kafkaBrokers: string; databaseUrl: string }>('up');
  const db = new URL(up.databaseUrl);
  let proxy = new TcpProxy(db.hostname, Number(db.port));
  await proxy.open();
  const proxied = new URL(up.databaseUrl);
  proxied.host = `127.0.0.1:${proxy.port}`;

  return {
    kafkaBrokers: up.kafkaBrokers,
    databaseUrl: proxied.toString(),
    async stopKafka() {
      await control('stop-kafka');
    },
    async startKafka() {
      await control('start-kafka');
    },
    async restartPostgres() {
      const port = proxy.port;
      await proxy.cut();
      const { port: serverPort } = await control<{ port: number }>('restart-postgres');
      proxy = new TcpProxy('127.0.0.1', serverPort);
      proxy.port = port;
      await proxy.open();
    },
    async down() {
      await proxy.cut().catch(() => undefined);
      await control('down').catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
