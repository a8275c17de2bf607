/**
 * Writes the chart files generated from the code: files/topics.json (the contracts' topics),
 * values.schema.json (with each service's variables), files/secret-variables.json (the secret
 * ones each service reads) and files/alerts.yml (a copy of
 * deploy/prometheus/alerts.yml for the PrometheusRule: a chart reads only its own files).
 * `--check` writes nothing and exits 1 naming the files that are out of date.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { CHART_SCHEMA_FILE, CHART_SECRET_VARIABLES_FILE, chartSchemaText, chartSecretVariables } from './chart-schema';
import { CHART_TOPICS_FILE, chartTopics } from './chart-topics';

const ALERTS = join(__dirname, '../../deploy/prometheus/alerts.yml');
export const CHART_ALERTS_FILE = join(__dirname, '../../deploy/helm/cart-recovery/files/alerts.yml');

export async function chartFiles(): Promise<Record<string, string>> {
  return {
    [CHART_TOPICS_FILE]: chartTopics(),
    [CHART_SCHEMA_FILE]: await chartSchemaText(),
    [CHART_SECRET_VARIABLES_FILE]: chartSecretVariables(),
    [CHART_ALERTS_FILE]: `# A copy of deploy/prometheus/alerts.yml, written by \`npm run chart:files\`; do not edit.\n${readFileSync(ALERTS, 'utf8')}`,
  };
}

async function main(check: boolean): Promise<void> {
  const stale: string[] = [];
  for (const [file, text] of Object.entries(await chartFiles())) {
    let current = '';
    try {
      current = readFileSync(file, 'utf8');
    } catch {
      // not written yet
    }
    if (current === text) continue;
    stale.push(relative(process.cwd(), file));
    if (!check) writeFileSync(file, text);
  }
  if (check && stale.length) {
    console.error(`out of date (npm run chart:files): ${stale.join(', ')}`);
    process.exit(1);
  }
  console.log(stale.length ? `written: ${stale.join(', ')}` : 'chart files up to date');
}

if (require.main === module) void main(process.argv.includes('--check'));
