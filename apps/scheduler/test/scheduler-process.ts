import { ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { freePort } from '../../../test/support/services';
import { connectionEnv } from '../../../test/support/kafka';

// The scheduler as a child process, without Nest in this process (the benchmark runs under tsx).

export const API_KEY = 'k-test-stats';

/** A consumer group per test environment (see startScheduler in harness.ts). */
export const groupOf = (env: { prefix: string }) => `${env.prefix}scheduler`;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface SchedulerProcess {
  process: ChildProcess;
  url: string;
  logs: string[];
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Resolves once /health answers 200 (migrations applied, Kafka and PostgreSQL up). */
  ready(timeoutMs?: number): Promise<void>;
  metrics(): Promise<string>;
  kill(signal?: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/**
 * The scheduler as a process of its own, for what only a process can show: kill -9, RSS. From
 * its sources (main.ts, so @lib/business-hours) unless `builtMain` names the built bundle
 * (benchmarks measure what production runs).
 */
export async function spawnScheduler(
  env: { prefix: string; schema: string },
  extraEnv: Record<string, string> = {},
  builtMain?: string,
): Promise<SchedulerProcess> {
  const port = await freePort();
  const child = spawn(
    process.execPath,
    builtMain
      ? [builtMain]
      : ['-r', join(__dirname, '../../../test/support/from-source.js'), join(__dirname, '../src/main.ts')],
    {
      env: {
        PATH: process.env.PATH,
        KAFKA_BROKERS: process.env.KAFKA_BROKERS ?? '127.0.0.1:9092',
        DATABASE_URL: process.env.DATABASE_URL!,
        ...connectionEnv(),
        TOPIC_PREFIX: env.prefix,
        DATABASE_SCHEMA: env.schema,
        SCHEDULER_GROUP_ID: groupOf(env),
        API_KEYS: API_KEY,
        HTTP_HOST: '127.0.0.1',
        HTTP_PORT: String(port),
        LOG_LEVEL: 'info',
        SCHEDULER_TIMER_SAFETY_POLL_MS: '2000',
        ...extraEnv,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const logs: string[] = [];
  const keep = (chunk: Buffer) => logs.push(...chunk.toString().split('\n').filter(Boolean));
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const exited = once(child, 'exit').then(([code, signal]) => ({ code, signal }));
  const url = `http://127.0.0.1:${port}`;
  return {
    process: child,
    url,
    logs,
    exited,
    async ready(timeoutMs = 90_000) {
      const until = Date.now() + timeoutMs;
      for (;;) {
        if (child.exitCode !== null)
          throw new Error(`scheduler exited ${child.exitCode}:\n${logs.slice(-20).join('\n')}`);
        const status = await fetch(`${url}/health`, { signal: AbortSignal.timeout(2000) }).then(
          (r) => r.status,
          () => 0,
        );
        if (status === 200) return;
        if (Date.now() > until) throw new Error(`scheduler not ready (${status}):\n${logs.slice(-20).join('\n')}`);
        await sleep(250);
      }
    },
    metrics: () => fetch(`${url}/metrics`).then((r) => r.text()),
    async kill(signal = 'SIGKILL') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}

/** A counter or gauge of a Prometheus text exposition, summed over the label sets matching. */
export function metricValue(text: string, name: string, labels = ''): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(name) || (line[name.length] !== '{' && line[name.length] !== ' ')) continue;
    if (labels && !line.includes(labels)) continue;
    sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return sum;
}
