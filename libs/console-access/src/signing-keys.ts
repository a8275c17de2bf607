import { inspect } from 'node:util';
import type { EnvVar } from '@lib/config';
import { parseKeyring } from '@lib/secrets';
import type { ConsoleSigningKeys } from './console-token';

/** The keyring as configuration holds it: shown (logs, errors) by its key ids only. */
export class ConsoleSigningKeyring implements ConsoleSigningKeys {
  constructor(
    readonly currentKeyId: string,
    readonly keys: ReadonlyMap<string, Buffer>,
  ) {}

  toJSON(): string {
    return `[console signing keys ${[...this.keys.keys()].join(',')}]`;
  }

  [inspect.custom](): string {
    return this.toJSON();
  }
}

/**
 * `CONSOLE_SIGNING_KEYS` (or `_FILE`): `id:base64key,…` of 32-byte keys, as libs/secrets'
 * keyrings are written; the first signs, every one verifies. Unset: the console is off.
 */
export function consoleSigningKeysEnv(description: string): EnvVar<ConsoleSigningKeyring | undefined> {
  return {
    description,
    secret: true,
    parse(raw) {
      if (raw === undefined) return undefined;
      const { currentKeyId, keys } = parseKeyring(raw);
      return new ConsoleSigningKeyring(currentKeyId, keys);
    },
  };
}
