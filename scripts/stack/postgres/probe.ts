import { Client } from 'pg';

/** Why a server did not answer, or undefined when `select 1` ran. */
export async function pgProblem(url: string, timeoutMs = 3_000): Promise<string | undefined> {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: timeoutMs });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('select 1');
    return undefined;
  } catch (error) {
    const e = error as Error & { code?: string };
    return e.code ? `${e.code}: ${e.message}` : e.message;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** The same server and credentials with another database. */
export function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${encodeURIComponent(database)}`;
  return parsed.toString();
}

export function databaseOf(url: string): string {
  return decodeURIComponent(new URL(url).pathname.replace(/^\//, '')) || 'postgres';
}

/** Creates the database that `url` names when it is missing (connecting to `postgres` for that). */
export async function ensureDatabase(url: string): Promise<boolean> {
  const name = databaseOf(url);
  const client = new Client({ connectionString: withDatabase(url, 'postgres'), connectionTimeoutMillis: 3_000 });
  client.on('error', () => undefined);
  await client.connect();
  try {
    const found = await client.query('select 1 from pg_database where datname = $1', [name]);
    if (found.rowCount) return false;
    await client.query(`create database ${client.escapeIdentifier(name)}`);
    return true;
  } catch (error) {
    // 42P04 duplicate_database, 23505: another process created it at the same moment.
    if (['42P04', '23505'].includes((error as { code?: string }).code ?? '')) return false;
    throw error;
  } finally {
    await client.end().catch(() => undefined);
  }
}
