import { createHmac } from 'node:crypto';
import { inspect } from 'node:util';
import type { EnvVar } from '@lib/config';

/**
 * The key of the phones' keyed hashes (HMAC-SHA256): what an erasure keeps of a shopper (the
 * request's record, the suppression of an opt-out, the erased shoppers whose in-flight events
 * are dropped). Without the key a hash cannot be tested against the few billion phone numbers
 * there are, which a plain hash could. Every service holds the same key, so their hashes meet.
 */
export class PhoneHashKey {
  constructor(private readonly key: Buffer) {}

  /** The phone's keyed hash, base64url (43 characters). */
  hash(phone: string): string {
    return createHmac('sha256', this.key).update(phone, 'utf8').digest('base64url');
  }

  /** A configuration or a log line that shows the key shows that it is set, never the key. */
  toJSON(): string {
    return '[phone hash key]';
  }

  [inspect.custom](): string {
    return this.toJSON();
  }
}

const BASE64 = /^[A-Za-z0-9+/_-]+={0,2}$/;

/** Reads a key: 32 bytes in base64 (openssl rand -base64 32). */
export function parsePhoneHashKey(text: string): PhoneHashKey {
  const key = BASE64.test(text.trim()) ? Buffer.from(text.trim(), 'base64') : undefined;
  if (key?.length !== 32) throw new Error('must be 32 bytes in base64 (openssl rand -base64 32)');
  return new PhoneHashKey(key);
}

/**
 * `ERASURE_HASH_KEY` (or `_FILE`): a secret; unset, the service takes no erasure request (they
 * wait on their topic until it is set) and keeps no hash.
 */
export function phoneHashKeyEnv(description: string): EnvVar<PhoneHashKey | undefined> {
  return {
    description,
    secret: true,
    parse: (raw) => (raw === undefined || raw === '' ? undefined : parsePhoneHashKey(raw)),
  };
}
