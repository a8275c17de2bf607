// What the service benchmarks share: the service as production runs it (the bundle built in
// dist/, not the sources through a compiler, whose native binding alone adds tens of MB of
// RSS), and its CPU and memory read from /proc.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(__dirname, '..');

export type ServiceName = 'ingest' | 'scheduler' | 'sender';

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestMtime(path));
    else if (entry.name.endsWith('.ts')) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

/** dist/apps/<service>/main.js, built first when it is missing or older than its sources. */
export function builtService(service: ServiceName, log: (m: string) => void): string {
  const main = join(ROOT, 'dist', 'apps', service, 'main.js');
  const sources = Math.max(newestMtime(join(ROOT, 'apps', service, 'src')), newestMtime(join(ROOT, 'libs')));
  if (existsSync(main) && statSync(main).mtimeMs >= sources) return main;
  log(`building dist/apps/${service} (older than its sources)`);
  const built = spawnSync('npx', ['nest', 'build', service], { cwd: ROOT, encoding: 'utf8' });
  if (built.status !== 0) throw new Error(`nest build ${service} failed: ${built.stdout}${built.stderr}`);
  return main;
}

/** Resident memory now and at its peak (VmHWM), in MiB; undefined once the process is gone. */
export function rssMb(pid: number): { rss: number; peak: number } | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(status)?.[1] ?? NaN);
    return { rss: kb('VmRSS') / 1024, peak: kb('VmHWM') / 1024 };
  } catch {
    return undefined;
  }
}

/** User + system CPU seconds a process used so far (all its threads); NaN once it is gone. */
export function cpuSeconds(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return NaN;
  }
}
