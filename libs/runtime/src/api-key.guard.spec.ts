import { ApiKeys } from './api-key.guard';

describe('ApiKeys', () => {
  const keys = new ApiKeys(['k-platform-1', 'k-platform-2']);

  it('accepts a configured key as a Bearer token', () => {
    expect(keys.accepts('Bearer k-platform-1')).toBe(true);
    expect(keys.accepts('bearer k-platform-2')).toBe(true);
  });

  it('rejects unknown keys, prefixes of keys, other schemes and nothing', () => {
    expect(keys.accepts('Bearer k-platform-3')).toBe(false);
    expect(keys.accepts('Bearer k-platform')).toBe(false);
    expect(keys.accepts('Basic k-platform-1')).toBe(false);
    expect(keys.accepts('k-platform-1')).toBe(false);
    expect(keys.accepts(undefined)).toBe(false);
    expect(new ApiKeys([]).accepts('Bearer anything')).toBe(false);
  });
});
