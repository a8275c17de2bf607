import { inspect } from 'node:util';
import { linkSigningKeysEnv, mintLinkToken, parseLinkSigningKeys, verifyLinkToken } from './link-token';

const keyA = Buffer.alloc(32, 1).toString('base64');
const keyB = Buffer.alloc(32, 2).toString('base64');

describe('recovery link tokens', () => {
  const a = parseLinkSigningKeys(`a:${keyA}`);

  it('mints opaque 33-character tokens that differ every time and verify under their key', () => {
    const one = mintLinkToken(a);
    const two = mintLinkToken(a);
    expect(one).toMatch(/^[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]{16}$/);
    expect(one).not.toBe(two);
    expect(verifyLinkToken(a, one)).toBe(true);
    expect(verifyLinkToken(a, two)).toBe(true);
  });

  it('refuses a forged tag, a changed id, a token of another key and anything not shaped as a token', () => {
    const token = mintLinkToken(a);
    const [id, tag] = token.split('.');
    const flipped = (tag[0] === 'A' ? 'B' : 'A') + tag.slice(1);
    expect(verifyLinkToken(a, `${id}.${flipped}`)).toBe(false);
    expect(verifyLinkToken(a, `${(id[0] === 'A' ? 'B' : 'A') + id.slice(1)}.${tag}`)).toBe(false);
    expect(verifyLinkToken(parseLinkSigningKeys(`b:${keyB}`), token)).toBe(false);
    for (const bad of ['', 'x', `${id}.${tag}.x`, `${id}${tag}`, `${id}.${tag}=`, '../../etc/passwd']) {
      expect(verifyLinkToken(a, bad)).toBe(false);
    }
  });

  it('signs with the first key and verifies with every key listed, so a key rotates', () => {
    const old = mintLinkToken(a);
    const rotated = parseLinkSigningKeys(`b:${keyB},a:${keyA}`);
    const fresh = mintLinkToken(rotated);
    expect(verifyLinkToken(rotated, old)).toBe(true);
    expect(verifyLinkToken(rotated, fresh)).toBe(true);
    // Once a is dropped, its links stop resolving; b's still do.
    const dropped = parseLinkSigningKeys(`b:${keyB}`);
    expect(verifyLinkToken(dropped, old)).toBe(false);
    expect(verifyLinkToken(dropped, fresh)).toBe(true);
    expect(verifyLinkToken(a, fresh)).toBe(false);
  });

  it('is the same token for the same id and key (the tag depends on nothing else)', () => {
    const id = Buffer.alloc(12, 7);
    expect(mintLinkToken(a, id)).toBe(mintLinkToken(a, id));
    expect(mintLinkToken(a, id)).not.toBe(mintLinkToken(parseLinkSigningKeys(`b:${keyB}`), id));
  });

  it('reads LINK_SIGNING_KEYS as a keyring, unset meaning no links, and never shows a key', () => {
    const env = linkSigningKeysEnv('keys');
    expect(env.secret).toBe(true);
    expect(env.parse(undefined)).toBeUndefined();
    const keys = env.parse(`a:${keyA},b:${keyB}`)!;
    expect(keys.currentKeyId).toBe('a');
    expect(JSON.stringify({ keys })).not.toContain(keyA);
    expect(inspect(keys)).toBe('[link signing keys a,b]');
    expect(() => env.parse('a:short')).toThrow(/32 bytes/);
    expect(() => env.parse('a:short')).not.toThrow(/short/);
  });
});
