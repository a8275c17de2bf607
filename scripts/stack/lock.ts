import { mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { isAlive } from './processes';
import { sleep, type Log } from './progress';

/**
 * Runs `fn` while holding the stack's lock, a directory (mkdir is atomic), so two
 * `stack:up`s (two jest runs in one checkout, say) never start two brokers on one port.
 * A lock whose owner process died is taken over.
 */
export async function withStackLock<T>(
  lockDir: string,
  log: Log,
  fn: () => Promise<T>,
  timeoutMs = 180_000,
): Promise<T> {
  await acquire(lockDir, log, timeoutMs);
  try {
    return await fn();
  } finally {
    rmSync(lockDir, { recursive: true, force: true });
  }
}

async function acquire(lockDir: string, log: Log, timeoutMs: number): Promise<void> {
  mkdirSync(path.dirname(lockDir), { recursive: true });
  const until = Date.now() + timeoutMs;
  let told = false;
  for (;;) {
    try {
      mkdirSync(lockDir);
      writeFileSync(path.join(lockDir, 'owner'), `${process.pid}\n`);
      return;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const owner = ownerOf(lockDir);
    if (owner === undefined ? ageMs(lockDir) > 10_000 : !isAlive(owner)) {
      rmSync(lockDir, { recursive: true, force: true });
      continue;
    }
    if (Date.now() > until) throw new Error(`the stack lock ${lockDir} is held by pid ${owner}; gave up waiting`);
    if (!told) log(`waiting for another stack command (pid ${owner ?? '?'}) to finish`);
    told = true;
    await sleep(250);
  }
}

function ownerOf(lockDir: string): number | undefined {
  try {
    const pid = Number.parseInt(readFileSync(path.join(lockDir, 'owner'), 'utf8'), 10);
    return Number.isInteger(pid) ? pid : undefined;
  } catch {
    // Just created, owner not written yet: treat it as held.
    return undefined;
  }
}

function ageMs(lockDir: string): number {
  try {
    return Date.now() - statSync(lockDir).mtimeMs;
  } catch {
    return 0;
  }
}
