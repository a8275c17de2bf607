import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { sleep } from './progress';

export function readPidFile(file: string): number | undefined {
  if (!existsSync(file)) return undefined;
  const pid = Number.parseInt(readFileSync(file, 'utf8').split('\n')[0].trim(), 10);
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

export function writePidFile(file: string, pid: number): void {
  writeFileSync(file, `${pid}\n`);
}

export function removeFile(file: string): void {
  rmSync(file, { force: true });
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to another user (e.g. postgres run as the postgres user).
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * True when `pid` runs and its command line contains `marker` (a path of ours), so a pid
 * file left by a dead process is never mistaken for a process that the pid was reused by.
 * Where /proc is missing, liveness alone has to do.
 */
export function isOurProcess(pid: number | undefined, marker: string): pid is number {
  if (pid === undefined || !isAlive(pid)) return false;
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').includes(marker);
  } catch {
    return !existsSync('/proc/self');
  }
}

export type StopOutcome = 'not-running' | 'stopped' | 'killed';

/** Asks a process to stop with `signal`, waits up to `graceMs`, then SIGKILLs it. */
export async function stopProcess(pid: number, signal: NodeJS.Signals, graceMs: number): Promise<StopOutcome> {
  if (!isAlive(pid)) return 'not-running';
  process.kill(pid, signal);
  if (await waitForExit(pid, graceMs)) return 'stopped';
  process.kill(pid, 'SIGKILL');
  await waitForExit(pid, 5_000);
  return 'killed';
}

export async function waitForExit(pid: number, timeoutMs: number): Promise<boolean> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (!isAlive(pid) || isZombie(pid)) return true;
    await sleep(100);
  }
  return !isAlive(pid);
}

// A child of ours that exited stays a zombie until reaped; it no longer runs.
function isZombie(pid: number): boolean {
  try {
    return /^\d+ \(.*\) Z /.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

/**
 * Starts a process in its own session with its output appended to `logFile`, so it
 * outlives the CLI (or jest) that started it.
 */
export function spawnDetached(
  command: string,
  args: string[],
  logFile: string,
  options: SpawnOptions = {},
): ChildProcess {
  const out = openSync(logFile, 'a');
  try {
    const child = spawn(command, args, { ...options, detached: true, stdio: ['ignore', out, out] });
    // A failed spawn shows as an undefined pid, which callers check; no crash on 'error'.
    child.once('error', () => undefined);
    child.unref();
    return child;
  } finally {
    closeSync(out);
  }
}

/** True when something accepts TCP connections on host:port. */
export function portAnswers(port: number, host = '127.0.0.1', timeoutMs = 500): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host });
    const done = (answer: boolean) => {
      socket.destroy();
      resolve(answer);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/** `preferred` when it can be bound on 127.0.0.1, else a port the OS picks. */
export async function freePort(preferred: number): Promise<number> {
  return (await tryBind(preferred)) ?? (await tryBind(0))!;
}

function tryBind(port: number): Promise<number | undefined> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(undefined));
    server.listen(port, '127.0.0.1', () => {
      const bound = (server.address() as net.AddressInfo).port;
      server.close(() => resolve(bound));
    });
  });
}

/** The last `count` lines of a log file, for error messages. */
export function tailOf(file: string, count = 30): string {
  if (!existsSync(file)) return `(no ${file})`;
  return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-count).join('\n');
}
