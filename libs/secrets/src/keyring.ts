import { inspect } from 'node:util';
import type { EnvVar } from '@lib/config';

/**
 * The keys secrets are sealed with, as `SECRETS_ENCRYPTION_KEYS` gives them: `id:base64key,…`.
 * The first key seals; every key listed opens, so a key rotates by putting a new one first and
 * dropping the old one once nothing sealed with it is left (the `reencrypt-secrets` command).
 */
export class Keyring {
  constructor(
    /** The id of the key new ciphertexts are sealed with. */
    readonly currentKeyId: string,
    /** Every key by id (32 bytes each, AES-256). */
    readonly keys: ReadonlyMap<string, Buffer>,
  ) {}

  /** A configuration or a log line that shows the keyring shows its ids, never a key. */
  toJSON(): string {
    return `[keyring ${[...this.keys.keys()].join(',')}]`;
  }

  [inspect.custom](): string {
    return this.toJSON();
  }
}

export const KEY_ID_PATTERN = /^[A-Za-z0-9_-]{1,32}$/;
const BASE64 = /^[A-Za-z0-9+/_-]+={0,2}$/;

/**
 * Parses a keyring. Every problem is reported at once, naming the entry by position and id,
 * never by its key material.
 */
export function parseKeyring(text: string): Keyring {
  const problems: string[] = [];
  const keys = new Map<string, Buffer>();
  const entries = text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (entries.length === 0) throw new Error('holds no key (expected id:base64key,…)');
  entries.forEach((entry, i) => {
    const at = entry.indexOf(':');
    const id = at < 0 ? '' : entry.slice(0, at);
    const material = at < 0 ? '' : entry.slice(at + 1);
    const name = `key ${i + 1}${KEY_ID_PATTERN.test(id) ? ` ("${id}")` : ''}`;
    if (at < 0) return problems.push(`${name}: expected id:base64key`);
    if (!KEY_ID_PATTERN.test(id)) return problems.push(`${name}: its id must match ${KEY_ID_PATTERN}`);
    if (keys.has(id)) return problems.push(`${name}: the id is listed twice`);
    const key = BASE64.test(material) ? Buffer.from(material, 'base64') : undefined;
    if (key?.length !== 32) {
      return problems.push(`${name}: the key must be 32 bytes in base64 (openssl rand -base64 32)`);
    }
    keys.set(id, key);
  });
  if (problems.length) throw new Error(problems.join('; '));
  return new Keyring([...keys.keys()][0], keys);
}

/**
 * For a command that touches no secret (`migrate`, whose Job is given only the database): the
 * variable is not read, and the keyring holds no key (sealing or opening with it fails).
 */
export function keyringNotRead(description: string): EnvVar<Keyring> {
  return { description, parse: () => new Keyring('', new Map()) };
}

/** `SECRETS_ENCRYPTION_KEYS` (or `_FILE`): required, a secret, its problems named per entry. */
export function keyringEnv(description: string): EnvVar<Keyring> {
  return {
    description,
    secret: true,
    parse(raw) {
      if (raw === undefined) throw new Error('is required');
      return parseKeyring(raw);
    },
  };
}
