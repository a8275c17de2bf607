import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { SEALED_SECRET_PATTERN } from '@lib/contracts';
import type { Keyring } from './keyring';

/**
 * A secret at rest: `enc:v1:<keyId>:<iv>:<ciphertext>:<tag>` (base64url), sealed with
 * AES-256-GCM under a random 96-bit IV. The additional data binds it to its place (`context`,
 * e.g. `store:lola:whatsapp.accessToken`) with the version and the key id, so a ciphertext
 * copied to another store or field, or relabelled with another key, does not open.
 */
export const SEALED_PREFIX = 'enc:v1:';
const SEALED = new RegExp(SEALED_SECRET_PATTERN);

export class SecretUnreadable extends Error {
  constructor(
    readonly why: 'plaintext' | 'malformed' | 'unknown-key' | 'does-not-open',
    message: string,
  ) {
    super(message);
    this.name = 'SecretUnreadable';
  }
}

export function isSealed(value: unknown): value is string {
  return typeof value === 'string' && SEALED.test(value);
}

/** The id of the key a sealed secret needs (undefined: not a sealed secret). */
export function keyIdOf(sealed: string): string | undefined {
  return isSealed(sealed) ? sealed.split(':')[2] : undefined;
}

export function seal(plaintext: string, context: string, keyring: Keyring): string {
  const keyId = keyring.currentKeyId;
  const key = keyring.keys.get(keyId);
  if (!key) throw new Error('no key to seal with: this process was started without SECRETS_ENCRYPTION_KEYS');
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(additionalData(keyId, context));
  const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  const tag = cipher.getAuthTag();
  return `${SEALED_PREFIX}${keyId}:${b64(iv)}:${b64(body)}:${b64(tag)}`;
}

/** Opens a sealed secret, or throws SecretUnreadable saying why (never what it holds). */
export function open(sealed: string, context: string, keyring: Keyring): string {
  if (!isSealed(sealed)) throw new SecretUnreadable('malformed', 'not a sealed secret (enc:v1:…)');
  const [, , keyId, iv, body, tag] = sealed.split(':');
  const key = keyring.keys.get(keyId);
  if (!key) {
    throw new SecretUnreadable(
      'unknown-key',
      `sealed with key "${keyId}", which SECRETS_ENCRYPTION_KEYS does not hold`,
    );
  }
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
    decipher.setAAD(additionalData(keyId, context));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString('utf8');
  } catch {
    throw new SecretUnreadable(
      'does-not-open',
      `does not open with key "${keyId}" (another key under that id, altered, or sealed for another place)`,
    );
  }
}

function additionalData(keyId: string, context: string): Buffer {
  return Buffer.from(`v1\n${keyId}\n${context}`, 'utf8');
}

function b64(bytes: Buffer): string {
  return bytes.toString('base64url');
}
