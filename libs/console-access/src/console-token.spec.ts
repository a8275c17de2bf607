import { inspect } from 'node:util';
import { CONSOLE_TOKEN_MAX_MINUTES, mintConsoleToken, verifyConsoleToken } from './console-token';
import { consoleSigningKeysEnv } from './signing-keys';

const K1 = Buffer.alloc(32, 1).toString('base64');
const K2 = Buffer.alloc(32, 2).toString('base64');
const keys = consoleSigningKeysEnv('test').parse(`k2:${K2},k1:${K1}`)!;
const oldKeysOnly = consoleSigningKeysEnv('test').parse(`k1:${K1}`)!;
const otherKeys = consoleSigningKeysEnv('test').parse(`k2:${K1}`)!;
const now = new Date('2026-12-07T10:00:00Z');
const later = (minutes: number) => new Date(now.getTime() + minutes * 60_000);
const bearer = (token: string) => `Bearer ${token}`;
const mint = (over: Partial<Parameters<typeof mintConsoleToken>[1]> = {}) =>
  mintConsoleToken(keys, { storeId: 'lola-shoes', minutes: 15, now, ...over }).token;

function reb64(part: string, edit: (json: Record<string, unknown>) => void): string {
  const json = JSON.parse(Buffer.from(part, 'base64url').toString()) as Record<string, unknown>;
  edit(json);
  return Buffer.from(JSON.stringify(json)).toString('base64url');
}

describe('console tokens', () => {
  it('are accepted for their store until they expire, signed by the first key', () => {
    const { token, expiresAt } = mintConsoleToken(keys, { storeId: 'lola-shoes', minutes: 15, now });
    expect(expiresAt.toISOString()).toBe('2026-12-07T10:15:00.000Z');
    const header = JSON.parse(Buffer.from(token.split('.')[0], 'base64url').toString());
    expect(header).toEqual({ alg: 'HS256', typ: 'JWT', kid: 'k2' });
    expect(verifyConsoleToken(keys, bearer(token), { now: later(14) })).toEqual({
      ok: true,
      storeId: 'lola-shoes',
      expiresAt,
    });
  });

  it('are refused with a reason: missing, malformed, expired, tampered, wrong audience, unknown key', () => {
    const token = mint();
    const [h, c, s] = token.split('.');
    const cases: Array<[string | undefined, string, Date?]> = [
      [undefined, 'missing'],
      ['', 'missing'],
      ['Basic abc', 'malformed'],
      [bearer('abc.def'), 'malformed'],
      [bearer(`${h}.${c}.${s}.x`), 'malformed'],
      [bearer(token), 'expired', later(15)],
      [bearer(token), 'expired', later(60)],
      [bearer(`${h}.${reb64(c, (j) => (j.store = 'rival-store'))}.${s}`), 'bad-signature'],
      [bearer(`${h}.${reb64(c, (j) => (j.exp = Number(j.exp) + 3600))}.${s}`), 'bad-signature'],
      [bearer(`${h}.${c}.${s.slice(0, -2)}AA`), 'bad-signature'],
      [bearer(`${reb64(h, (j) => (j.alg = 'none'))}.${c}.`), 'malformed'],
      [bearer(`${reb64(h, (j) => (j.alg = 'none'))}.${c}.${s}`), 'malformed'],
      [bearer(`${reb64(h, (j) => (j.kid = 'k9'))}.${c}.${s}`), 'unknown-key'],
      [bearer(mint({ audience: 'another-product' })), 'wrong-audience'],
    ];
    for (const [authorization, reason, at] of cases) {
      expect({ authorization, check: verifyConsoleToken(keys, authorization, { now: at ?? later(1) }) }).toEqual({
        authorization,
        check: { ok: false, reason },
      });
    }
  });

  it('from a key taken out of the keyring, or another deployment’s same id, are refused', () => {
    const token = mint();
    expect(verifyConsoleToken(oldKeysOnly, bearer(token), { now })).toEqual({ ok: false, reason: 'unknown-key' });
    expect(verifyConsoleToken(otherKeys, bearer(token), { now })).toEqual({ ok: false, reason: 'bad-signature' });
  });

  it('rotate: a token signed with the older key still verifies while it is listed', () => {
    const old = mintConsoleToken(oldKeysOnly, { storeId: 'lola-shoes', minutes: 5, now }).token;
    expect(verifyConsoleToken(keys, bearer(old), { now })).toMatchObject({ ok: true, storeId: 'lola-shoes' });
  });

  it('live minutes, never more than an hour, and not from the future', () => {
    expect(() => mint({ minutes: 0 })).toThrow(RangeError);
    expect(() => mint({ minutes: CONSOLE_TOKEN_MAX_MINUTES + 1 })).toThrow(RangeError);
    const future = mint({ now: later(10) });
    expect(verifyConsoleToken(keys, bearer(future), { now })).toEqual({ ok: false, reason: 'not-yet-valid' });
  });

  it('keyrings show their ids, never a key', () => {
    expect(JSON.stringify({ keys })).not.toContain(K1.slice(0, 8));
    expect(inspect(keys)).toBe('[console signing keys k2,k1]');
    expect(consoleSigningKeysEnv('x').parse(undefined)).toBeUndefined();
    expect(() => consoleSigningKeysEnv('x').parse('k1:short')).toThrow(/32 bytes/);
  });
});
