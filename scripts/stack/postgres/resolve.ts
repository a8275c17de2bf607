import type { StackPaths } from '../paths';
import type { Log } from '../progress';
import { runningEmbedded, startEmbedded } from './embedded';
import { ensureDatabase, pgProblem, withDatabase } from './probe';
import { startSystemCluster } from './system-cluster';

export const DATABASE_NAME = 'cart_recovery';
const LOCAL_SERVER = 'postgres://postgres@127.0.0.1:5432/postgres';

/** auto: DATABASE_URL, else the local server, else embedded. local/embedded force one source. */
export type PostgresMode = 'auto' | 'local' | 'embedded';

export interface ResolvedPostgres {
  databaseUrl: string;
  source: 'DATABASE_URL' | 'local server' | 'embedded';
  /** This call started a server (the machine's cluster or the embedded one). */
  started: boolean;
}

export async function resolvePostgres(
  paths: StackPaths['postgres'],
  mode: PostgresMode,
  log: Log,
): Promise<ResolvedPostgres> {
  const given = process.env.DATABASE_URL;
  if (given && mode === 'auto') return { databaseUrl: await usable(given), source: 'DATABASE_URL', started: false };
  if (mode !== 'embedded') {
    const local = await localServer(log);
    if (local) return { ...local, databaseUrl: await usable(withDatabase(LOCAL_SERVER, DATABASE_NAME)) };
    if (mode === 'local') throw new Error('STACK_POSTGRES=local, but no PostgreSQL answers at 127.0.0.1:5432');
    log('no PostgreSQL at 127.0.0.1:5432: falling back to the embedded one');
  }
  return embedded(paths, log);
}

// The server at 127.0.0.1:5432, started with pg_ctlcluster if it is down.
async function localServer(log: Log): Promise<{ source: 'local server'; started: boolean } | undefined> {
  const problem = await pgProblem(LOCAL_SERVER);
  if (!problem) return { source: 'local server', started: false };
  log(`PostgreSQL at 127.0.0.1:5432 does not answer (${problem})`);
  if (!(await startSystemCluster(log))) return undefined;
  return (await pgProblem(LOCAL_SERVER)) ? undefined : { source: 'local server', started: true };
}

async function embedded(paths: StackPaths['postgres'], log: Log): Promise<ResolvedPostgres> {
  const running = runningEmbedded(paths);
  const server = running ?? (await startEmbedded(paths, log));
  const databaseUrl = await usable(withDatabase(server.url, DATABASE_NAME));
  return { databaseUrl, source: 'embedded', started: !running };
}

/** Checks that the database answers, creating it when the server answers but it is missing. */
async function usable(url: string): Promise<string> {
  let problem = await pgProblem(url);
  // 3D000 invalid_catalog_name: the server is there, the database is not (yet).
  if (problem?.startsWith('3D000')) {
    await ensureDatabase(url);
    problem = await pgProblem(url);
  }
  if (problem) throw new Error(`PostgreSQL at ${redacted(url)} does not answer: ${problem}`);
  return url;
}

/** A URL without its password, for messages. */
export function redacted(url: string): string {
  const parsed = new URL(url);
  if (parsed.password) parsed.password = '***';
  return parsed.toString();
}
