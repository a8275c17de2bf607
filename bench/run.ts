// `npm run bench [-- [--quick] [name…]]`: runs the workloads under bench/workloads (all, or
// those named), brings up the local stack when one needs it, and writes
// bench/results/<date>.json and .md. Figures are printed as they come.
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { stackUp } from '../scripts/stack';
import { BenchFigure, BenchWorkload, passes } from './workload';

async function loadWorkloads(): Promise<BenchWorkload[]> {
  const dir = join(__dirname, 'workloads');
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.bench.ts'))
    .sort();
  const workloads: BenchWorkload[] = [];
  for (const file of files) {
    const mod = (await import(join(dir, file))) as { workload?: BenchWorkload };
    if (!mod.workload) throw new Error(`bench/workloads/${file} exports no \`workload\``);
    workloads.push(mod.workload);
  }
  return workloads;
}

function formatValue(v: number): string {
  return Math.abs(v) >= 100 ? Math.round(v).toLocaleString('en-US') : String(Number(v.toPrecision(3)));
}

function markdown(
  results: Array<{ workload: string; figures: BenchFigure[]; error?: string }>,
  header: string,
): string {
  const lines = [header, '', '| workload | figure | value | target | ok |', '|---|---|---:|---:|:-:|'];
  for (const r of results) {
    if (r.error) lines.push(`| ${r.workload} | **failed** | ${r.error.replace(/\|/g, '\\|')} | | ✗ |`);
    for (const f of r.figures) {
      const target = f.target ? `${f.target.better === 'higher' ? '≥' : '≤'} ${formatValue(f.target.value)}` : '';
      const ok = passes(f);
      const note = f.note ? ` (${f.note})` : '';
      lines.push(
        `| ${r.workload} | ${f.name}${note} | ${formatValue(f.value)} ${f.unit} | ${target} | ${ok === undefined ? '' : ok ? '✓' : '✗'} |`,
      );
    }
  }
  return lines.join('\n') + '\n';
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const quick = args.includes('--quick');
  const names = args.filter((a) => !a.startsWith('--'));
  const all = await loadWorkloads();
  const unknown = names.filter((n) => !all.some((w) => w.name === n));
  if (unknown.length)
    throw new Error(`unknown workload(s): ${unknown.join(', ')}; known: ${all.map((w) => w.name).join(', ')}`);
  const chosen = names.length ? all.filter((w) => names.includes(w.name)) : all;

  let stack: { kafkaBrokers: string; databaseUrl: string } | undefined;
  if (chosen.some((w) => w.needsStack)) {
    stack = await stackUp();
    process.env.KAFKA_BROKERS = stack.kafkaBrokers;
    process.env.DATABASE_URL = stack.databaseUrl;
  }

  const results: Array<{ workload: string; description: string; figures: BenchFigure[]; error?: string }> = [];
  for (const w of chosen) {
    const log = (m: string) => process.stdout.write(`[${w.name}] ${m}\n`);
    log(w.description);
    try {
      const figures = await w.run({ ...stack, quick, log });
      for (const f of figures)
        log(`${f.name}: ${formatValue(f.value)} ${f.unit}${passes(f) === false ? '  (below target)' : ''}`);
      results.push({ workload: w.name, description: w.description, figures });
    } catch (err) {
      const error = err instanceof Error ? err.message : String(err);
      log(`FAILED: ${error}`);
      results.push({ workload: w.name, description: w.description, figures: [], error });
    }
  }

  const now = new Date();
  const machine = `node ${process.version}, ${cpus().length} cores`;
  const header = `## Benchmark ${now.toISOString()}${quick ? ' (quick)' : ''} — ${machine}`;
  const dir = join(__dirname, 'results');
  mkdirSync(dir, { recursive: true });
  const stamp = now.toISOString().slice(0, 19).replace(/:/g, '-');
  writeFileSync(
    join(dir, `${stamp}.json`),
    JSON.stringify({ at: now.toISOString(), quick, machine, results }, null, 2),
  );
  const md = markdown(results, header);
  writeFileSync(join(dir, `${stamp}.md`), md);
  process.stdout.write('\n' + md);
  if (results.some((r) => r.error)) process.exitCode = 1;
}

main().catch((err) => {
  process.stderr.write(`bench: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
