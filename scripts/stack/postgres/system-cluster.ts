import { execFile } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { promisify } from 'node:util';
import type { Log } from '../progress';

const run = promisify(execFile);

/**
 * Starts the machine's own PostgreSQL cluster(s) (Debian's postgresql-common layout,
 * /etc/postgresql/<version>/main) when `pg_ctlcluster` exists. It is a system service:
 * `stack:down` leaves it running. Returns true when a start command succeeded.
 */
export async function startSystemCluster(log: Log): Promise<boolean> {
  if (!existsSync('/etc/postgresql')) return false;
  let started = false;
  for (const version of readdirSync('/etc/postgresql')) {
    if (!existsSync(`/etc/postgresql/${version}/main`)) continue;
    log(`starting the machine's PostgreSQL ${version} cluster with pg_ctlcluster`);
    try {
      await run('pg_ctlcluster', ['--skip-systemctl-redirect', version, 'main', 'start'], { timeout: 60_000 });
      started = true;
    } catch (error) {
      const e = error as NodeJS.ErrnoException & { stdout?: string; stderr?: string };
      if (e.code === 'ENOENT') return false;
      log(`pg_ctlcluster ${version} main start failed: ${(e.stderr || e.stdout || e.message).trim()}`);
    }
  }
  return started;
}
