// The console signing keys of the console tests: fixed, never a production key.
import { consoleSigningKeysEnv, mintConsoleToken } from '@lib/console-access';

export const TEST_CONSOLE_SIGNING_KEYS = `console-test:${Buffer.alloc(32, 'console test key, not secret').toString('base64')}`;
export const testConsoleKeys = consoleSigningKeysEnv('test').parse(TEST_CONSOLE_SIGNING_KEYS)!;

/** A token minted outside ingest, as an attacker with a key or a clock of their own would. */
export function forgedToken(storeId: string, opts: { now?: Date; audience?: string; minutes?: number } = {}): string {
  return mintConsoleToken(testConsoleKeys, {
    storeId,
    minutes: opts.minutes ?? 15,
    now: opts.now ?? new Date(),
    audience: opts.audience,
  }).token;
}
