import { inspect } from 'node:util';
import { parsePhoneHashKey, phoneHashKeyEnv } from './phone-hash';

const KEY = Buffer.alloc(32, 3).toString('base64');

describe('phone hash', () => {
  it('hashes one phone the same under one key, differently under another, never showing the phone', () => {
    const a = parsePhoneHashKey(KEY);
    const b = parsePhoneHashKey(Buffer.alloc(32, 4).toString('base64'));
    expect(a.hash('+34600111222')).toBe(parsePhoneHashKey(KEY).hash('+34600111222'));
    expect(a.hash('+34600111222')).not.toBe(a.hash('+34600111223'));
    expect(a.hash('+34600111222')).not.toBe(b.hash('+34600111222'));
    expect(a.hash('+34600111222')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(a.hash('+34600111222')).not.toContain('600111222');
  });

  it('never shows the key in a log or a JSON dump', () => {
    const key = parsePhoneHashKey(KEY);
    expect(JSON.stringify({ key })).not.toContain(KEY);
    expect(inspect({ key })).not.toContain(KEY);
  });

  it('reads 32 bytes of base64, nothing else; unset is no key', () => {
    const variable = phoneHashKeyEnv('test');
    expect(variable.secret).toBe(true);
    expect(variable.parse(undefined)).toBeUndefined();
    expect(variable.parse(KEY)).toBeDefined();
    expect(() => variable.parse(Buffer.alloc(16).toString('base64'))).toThrow(/32 bytes/);
    expect(() => variable.parse('not base64!')).toThrow(/32 bytes/);
  });
});
