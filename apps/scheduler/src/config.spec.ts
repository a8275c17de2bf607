import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '@lib/config';
import { readSchedulerConfig } from './config';

const base = {
  KAFKA_BROKERS: '127.0.0.1:9092',
  DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/cart_recovery',
  API_KEYS: 'k1',
};

function problemsOf(env: Record<string, string>): string[] {
  try {
    readSchedulerConfig({ ...base, ...env });
    return [];
  } catch (e) {
    return (e as ConfigError).problems;
  }
}

describe('scheduler config: EXPERIMENT_ASSIGNMENT_KEY', () => {
  const key = 'a-holdout-key-of-at-least-32-characters';

  it('is optional (no holdout without it), taken as given, or from its file', () => {
    expect(readSchedulerConfig(base).EXPERIMENT_ASSIGNMENT_KEY).toBeUndefined();
    expect(readSchedulerConfig({ ...base, EXPERIMENT_ASSIGNMENT_KEY: key }).EXPERIMENT_ASSIGNMENT_KEY).toBe(key);
    const file = join(mkdtempSync(join(tmpdir(), 'holdout-key-')), 'key');
    writeFileSync(file, `${key}\n`);
    expect(readSchedulerConfig({ ...base, EXPERIMENT_ASSIGNMENT_KEY_FILE: file }).EXPERIMENT_ASSIGNMENT_KEY).toBe(key);
  });

  it('refuses a short key without showing it', () => {
    const problems = problemsOf({ EXPERIMENT_ASSIGNMENT_KEY: 'short-secret' });
    expect(problems).toEqual([expect.stringMatching(/^EXPERIMENT_ASSIGNMENT_KEY: must be at least 32 characters/)]);
    expect(problems[0]).not.toContain('short-secret');
  });
});
