import { ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { connectionEnv } from './kafka';
import { secretsEnv } from './secrets';

export type AppName = 'ingest' | 'scheduler' | 'sender';

export interface RunningService {
  name: AppName;
  port: number;
  url: string;
  process: ChildProcess;
  logs: string[];
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  health(): Promise<{ status: number; body: { status: string; checks: Record<string, { status: string }> } }>;
  waitUntil(check: (health: { status: number }) => boolean, timeoutMs?: number): Promise<void>;
  stop(signal?: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  return port;
}

/**
 * The node flags docker-compose.yml runs a service with (its NODE_OPTIONS, e.g. the sender's
 * heap cap), so tests and benchmarks run it as deployed; undefined when it sets none.
 */
export function deployedNodeOptions(service: AppName): string | undefined {
  const compose = parse(readFileSync(join(__dirname, '../../docker-compose.yml'), 'utf8'), { merge: true }) as {
    services: Record<string, { environment?: Record<string, string | number> }>;
  };
  const options = compose.services[service]?.environment?.NODE_OPTIONS;
  return options === undefined ? undefined : String(options);
}

/** Starts a built service (`npm run build`) as its own process, as production runs it. */
export async function startService(name: AppName, env: Record<string, string>): Promise<RunningService> {
  // A port chosen beforehand (another service must know it before this one starts), or a free one.
  const port = env.HTTP_PORT ? Number(env.HTTP_PORT) : await freePort();
  const nodeOptions = deployedNodeOptions(name);
  const child = spawn(process.execPath, [join(__dirname, '../../dist/apps', name, 'main.js')], {
    env: {
      PATH: process.env.PATH,
      ...(nodeOptions ? { NODE_OPTIONS: nodeOptions } : {}),
      KAFKA_BROKERS: process.env.KAFKA_BROKERS!,
      DATABASE_URL: process.env.DATABASE_URL!,
      ...connectionEnv(),
      // Only the services that use secrets hold the keyring.
      ...(name === 'scheduler' ? {} : secretsEnv()),
      HTTP_HOST: '127.0.0.1',
      HTTP_PORT: String(port),
      LOG_LEVEL: 'info',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: string[] = [];
  const keep = (chunk: Buffer) => logs.push(...chunk.toString().split('\n').filter(Boolean));
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const exited = once(child, 'exit').then(([code, signal]) => ({ code, signal }));
  const url = `http://127.0.0.1:${port}`;

  const health: RunningService['health'] = async () => {
    const res = await fetch(`${url}/health`, { signal: AbortSignal.timeout(5000) });
    return { status: res.status, body: (await res.json()) as Awaited<ReturnType<RunningService['health']>>['body'] };
  };
  const service: RunningService = {
    name,
    port,
    url,
    process: child,
    logs,
    exited,
    health,
    async waitUntil(check, timeoutMs = 60_000) {
      const until = Date.now() + timeoutMs;
      for (;;) {
        if (child.exitCode !== null)
          throw new Error(`${name} exited ${child.exitCode}:\n${logs.slice(-20).join('\n')}`);
        const h = await health().catch(() => ({ status: 0 }));
        if (check(h)) return;
        if (Date.now() > until)
          throw new Error(`${name}: condition not met, last health ${h.status}:\n${logs.slice(-20).join('\n')}`);
        await new Promise((r) => setTimeout(r, 250));
      }
    },
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
  return service;
}
