import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { inspect } from 'node:util';
import type { EnvVar } from '@lib/config';
import { parseKeyring } from './keyring';

/** Random bytes of a token's id: 96 bits, never guessed. */
const ID_BYTES = 12;
/** Bytes of the HMAC-SHA-256 tag kept: 96 bits, a forgery is one chance in 2^96. */
const TAG_BYTES = 12;
const TOKEN = /^([A-Za-z0-9_-]{16})\.([A-Za-z0-9_-]{16})$/;
// The tag is bound to its use, so a key shared with another signer can never sign a link.
const CONTEXT = 'recovery-link:v1:';

/**
 * The keys recovery links are signed with, as `LINK_SIGNING_KEYS` gives them (`id:base64key,…`,
 * libs/secrets' keyring format): the first signs, every one verifies, so a key rotates by putting
 * a new one first and dropping the old one once its links are past their lifetime (30 days).
 */
export class LinkSigningKeys {
  constructor(
    readonly currentKeyId: string,
    readonly keys: ReadonlyMap<string, Buffer>,
  ) {}

  toJSON(): string {
    return `[link signing keys ${[...this.keys.keys()].join(',')}]`;
  }

  [inspect.custom](): string {
    return this.toJSON();
  }
}

function tagOf(key: Buffer, id: string): Buffer {
  return createHmac('sha256', key)
    .update(CONTEXT + id, 'utf8')
    .digest()
    .subarray(0, TAG_BYTES);
}

/**
 * A new link token: `<random id>.<tag>`, both base64url (33 characters). Opaque: the id says
 * nothing, the link it names is looked up by the whole token.
 */
export function mintLinkToken(keys: LinkSigningKeys, id: Buffer = randomBytes(ID_BYTES)): string {
  const key = keys.keys.get(keys.currentKeyId);
  if (!key) throw new Error('no key to sign links with');
  const encoded = id.toString('base64url');
  return `${encoded}.${tagOf(key, encoded).toString('base64url')}`;
}

/**
 * Whether a token was signed by one of the keys: a few HMACs and no lookup, so a forged or
 * mistyped token costs next to nothing before it is refused.
 */
export function verifyLinkToken(keys: LinkSigningKeys, token: string): boolean {
  const match = TOKEN.exec(token);
  if (!match) return false;
  const tag = Buffer.from(match[2], 'base64url');
  if (tag.length !== TAG_BYTES) return false;
  for (const key of keys.keys.values()) {
    if (timingSafeEqual(tagOf(key, match[1]), tag)) return true;
  }
  return false;
}

/** Reads `id:base64key,…` (32-byte keys), as every keyring of the product is written. */
export function parseLinkSigningKeys(text: string): LinkSigningKeys {
  const { currentKeyId, keys } = parseKeyring(text);
  return new LinkSigningKeys(currentKeyId, keys);
}

/**
 * `LINK_SIGNING_KEYS` (or `_FILE`): a secret. Unset: no tracked links (the sender keeps each
 * store's own recovery URL, ingest's /r/ answers 404).
 */
export function linkSigningKeysEnv(description: string): EnvVar<LinkSigningKeys | undefined> {
  return {
    description,
    secret: true,
    parse: (raw) => (raw === undefined || raw === '' ? undefined : parseLinkSigningKeys(raw)),
  };
}
