/**
 * Writes the chart files generated from the code: files/topics.json (the contracts' topics)
 * and values.schema.json (with each service's variables). `--check` writes nothing and exits 1
 * naming the files that are out of date.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { relative } from 'node:path';
import { CHART_SCHEMA_FILE, chartSchemaText } from './chart-schema';
import { CHART_TOPICS_FILE, chartTopics } from './chart-topics';

export async function chartFiles(): Promise<Record<string, string>> {
  return { [CHART_TOPICS_FILE]: chartTopics(), [CHART_SCHEMA_FILE]: await chartSchemaText() };
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
