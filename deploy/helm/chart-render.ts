/**
 * Renders the chart with the real helm binary (scripts/tools/install.sh puts it in .tools/bin;
 * installed on first use when missing) and validates objects against the Kubernetes, KEDA and
 * prometheus-operator schemas (validate-manifests.ts, its own process: the models are ES modules).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';

export const ROOT = join(__dirname, '../..');
export const CHART = join(ROOT, 'deploy/helm/cart-recovery');

export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [field: string]: unknown;
}

/** Path of a tool of scripts/tools/install.sh (helm, promtool), installing it when missing. */
export function tool(name: 'helm' | 'promtool'): string {
  const path = join(ROOT, '.tools/bin', name);
  if (!existsSync(path)) {
    execFileSync('bash', [join(ROOT, 'scripts/tools/install.sh'), name], { stdio: 'inherit', timeout: 180_000 });
  }
  return path;
}

export function helm(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const run = spawnSync(tool('helm'), args, { cwd: ROOT, encoding: 'utf8', maxBuffer: 64 * 2 ** 20 });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

/** `helm template` of the chart with these arguments; throws with helm's message when it fails. */
export function render(args: string[], release = 'cart'): K8sObject[] {
  const out = helm(['template', release, CHART, '--namespace', 'shop', ...args]);
  if (out.status !== 0) throw new Error(`helm template failed:\n${out.stderr}`);
  return parseAllDocuments(out.stdout)
    .map((d) => d.toJS() as K8sObject | null)
    .filter((o): o is K8sObject => o !== null);
}

/** The schema problem of each object, by "Kind/name" (none: valid). */
export function validate(objects: K8sObject[]): Record<string, string | undefined> {
  const run = spawnSync(process.execPath, [require.resolve('tsx/cli'), join(__dirname, 'validate-manifests.ts')], {
    input: JSON.stringify(objects),
    encoding: 'utf8',
    maxBuffer: 64 * 2 ** 20,
  });
  if (run.status !== 0) throw new Error(`validate-manifests failed: ${run.stderr}`);
  const results = JSON.parse(run.stdout) as { kind: string; name: string; error?: string }[];
  return Object.fromEntries(results.map((r) => [`${r.kind}/${r.name}`, r.error]));
}
