import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import type { StackPaths } from '../paths';
import { timed, type Log } from '../progress';

const run = promisify(execFile);

export interface Classpath {
  /** `java -cp` value: the JVM expands `dir/*` to every jar in it. */
  classpath: string;
  /** Milliseconds Maven took, or 0 when the cached jars matched the pom. */
  resolveMs: number;
}

/**
 * The broker's jars, resolved by Maven from scripts/stack/kafka/pom.xml into .stack/kafka/lib.
 * The cache is keyed by the pom's hash, so editing the pom (a Kafka upgrade) resolves again.
 */
export async function resolveKafkaClasspath(paths: StackPaths['kafka'], log: Log): Promise<Classpath> {
  const classpath = path.join(paths.lib, '*');
  const stamp = path.join(paths.lib, '.pom-sha256');
  const pomHash = createHash('sha256').update(readFileSync(paths.pom)).digest('hex');
  if (existsSync(stamp) && readFileSync(stamp, 'utf8').trim() === pomHash) return { classpath, resolveMs: 0 };

  log('resolving the Kafka broker jars with Maven (first run, or the pom changed)');
  const [, resolveMs] = await timed(() => copyDependencies(paths.pom, paths.lib));
  writeFileSync(stamp, `${pomHash}\n`);
  return { classpath, resolveMs };
}

// Into a temporary directory first, so an interrupted resolve never leaves half a class path.
async function copyDependencies(pom: string, lib: string): Promise<void> {
  const partial = `${lib}.partial`;
  rmSync(partial, { recursive: true, force: true });
  const args = [
    '-q',
    '-B',
    '-f',
    pom,
    'dependency:copy-dependencies',
    `-DoutputDirectory=${partial}`,
    '-DincludeScope=runtime',
  ];
  try {
    await run('mvn', args, { maxBuffer: 16 * 1024 * 1024 });
  } catch (error) {
    const e = error as NodeJS.ErrnoException & { stdout?: string; stderr?: string };
    if (e.code === 'ENOENT') throw new Error('Maven (`mvn`) is not on PATH: it resolves the Kafka broker jars');
    throw new Error(`mvn ${args.join(' ')} failed:\n${e.stdout ?? ''}${e.stderr ?? ''}`);
  }
  rmSync(lib, { recursive: true, force: true });
  renameSync(partial, lib);
}
