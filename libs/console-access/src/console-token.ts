import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Console tokens: what a platform hands its merchant's browser so the console may act for one
 * store, for minutes. A compact JWT (HS256): `base64url(header).base64url(claims).base64url(mac)`,
 * the header naming the signing key (`kid`), the claims the store (`store`), the audience
 * (`aud`), when it was issued and when it expires (`iat`, `exp`, seconds since the epoch).
 * Pure: the keys and the clock are arguments, so every refusal is tested on its own.
 */

/** Signing keys by id; the first (`currentKeyId`) signs, every one verifies (rotation). */
export interface ConsoleSigningKeys {
  readonly currentKeyId: string;
  readonly keys: ReadonlyMap<string, Buffer>;
}

export interface ConsoleTokenClaims {
  store: string;
  aud: string;
  iat: number;
  exp: number;
}

/** Why a token is refused; said to the caller (401) and counted, never the token itself. */
export type ConsoleTokenRefusal =
  | 'missing'
  | 'malformed'
  | 'unknown-key'
  | 'bad-signature'
  | 'wrong-audience'
  | 'expired'
  | 'not-yet-valid'
  | 'too-long-lived';

export type ConsoleTokenCheck =
  { ok: true; storeId: string; expiresAt: Date } | { ok: false; reason: ConsoleTokenRefusal };

/** The audience of the console's own API (ingest's and the scheduler's console routes). */
export const CONSOLE_AUDIENCE = 'cart-recovery-console';
/** The longest a token may live: a leaked link is useless within the hour. */
export const CONSOLE_TOKEN_MAX_MINUTES = 60;
/** Clocks of the minting and the verifying instance may differ by this much. */
const CLOCK_SKEW_SECONDS = 60;

const HEADER_ALG = 'HS256';

export function mintConsoleToken(
  keys: ConsoleSigningKeys,
  request: { storeId: string; minutes: number; now: Date; audience?: string },
): { token: string; expiresAt: Date } {
  if (!(request.minutes > 0 && request.minutes <= CONSOLE_TOKEN_MAX_MINUTES)) {
    throw new RangeError(`a console token lives 1 to ${CONSOLE_TOKEN_MAX_MINUTES} minutes`);
  }
  const key = keys.keys.get(keys.currentKeyId);
  if (!key) throw new Error('the current signing key is not in the keyring');
  const iat = Math.floor(request.now.getTime() / 1000);
  const claims: ConsoleTokenClaims = {
    store: request.storeId,
    aud: request.audience ?? CONSOLE_AUDIENCE,
    iat,
    exp: iat + Math.round(request.minutes * 60),
  };
  const signed = `${encode({ alg: HEADER_ALG, typ: 'JWT', kid: keys.currentKeyId })}.${encode(claims)}`;
  return { token: `${signed}.${mac(key, signed).toString('base64url')}`, expiresAt: new Date(claims.exp * 1000) };
}

/**
 * Checks a token as `Authorization: Bearer` carries it (the header's value, or undefined).
 * The signature is checked before any claim is believed; then audience, then time.
 */
export function verifyConsoleToken(
  keys: ConsoleSigningKeys,
  authorization: string | undefined,
  expected: { now: Date; audience?: string },
): ConsoleTokenCheck {
  const bearer = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
  if (!authorization?.trim()) return refuse('missing');
  if (!bearer) return refuse('malformed');
  const parts = bearer[1].split('.');
  if (parts.length !== 3 || parts.some((p) => !/^[A-Za-z0-9_-]+$/.test(p))) return refuse('malformed');
  const header = decode(parts[0]);
  if (!header || header.alg !== HEADER_ALG || typeof header.kid !== 'string') return refuse('malformed');
  const key = keys.keys.get(header.kid);
  if (!key) return refuse('unknown-key');
  const presented = Buffer.from(parts[2], 'base64url');
  const computed = mac(key, `${parts[0]}.${parts[1]}`);
  if (presented.length !== computed.length || !timingSafeEqual(presented, computed)) return refuse('bad-signature');
  const claims = decode(parts[1]);
  if (!isClaims(claims)) return refuse('malformed');
  if (claims.aud !== (expected.audience ?? CONSOLE_AUDIENCE)) return refuse('wrong-audience');
  const now = expected.now.getTime() / 1000;
  if (claims.exp <= now) return refuse('expired');
  if (claims.iat > now + CLOCK_SKEW_SECONDS) return refuse('not-yet-valid');
  if (claims.exp - claims.iat > CONSOLE_TOKEN_MAX_MINUTES * 60) return refuse('too-long-lived');
  return { ok: true, storeId: claims.store, expiresAt: new Date(claims.exp * 1000) };
}

/** The refusal in words for the 401's message. */
export const REFUSAL_MESSAGES: Record<ConsoleTokenRefusal, string> = {
  missing: 'missing console token (Authorization: Bearer <token>)',
  malformed: 'the console token is not one',
  'unknown-key': 'the console token was signed with a key this deployment does not have',
  'bad-signature': 'the console token was altered or signed with another key',
  'wrong-audience': 'the console token is not meant for the console',
  expired: 'the console token has expired: ask the platform for a new console link',
  'not-yet-valid': 'the console token is not valid yet',
  'too-long-lived': 'the console token lives longer than a console token may',
};

function refuse(reason: ConsoleTokenRefusal): ConsoleTokenCheck {
  return { ok: false, reason };
}

function mac(key: Buffer, signed: string): Buffer {
  return createHmac('sha256', key).update(signed).digest();
}

function encode(value: object): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

function decode(part: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

function isClaims(value: Record<string, unknown> | undefined): value is Record<string, unknown> & ConsoleTokenClaims {
  return (
    value !== undefined &&
    typeof value.store === 'string' &&
    typeof value.aud === 'string' &&
    Number.isInteger(value.iat) &&
    Number.isInteger(value.exp)
  );
}
