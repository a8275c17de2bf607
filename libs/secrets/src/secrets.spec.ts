import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { ConfigError, readConfig } from '@lib/config';
import type { StoreSettings } from '@lib/contracts';
import {
  keyIdOf,
  keyringEnv,
  keyringNotRead,
  open,
  openAccessToken,
  openAdminApiToken,
  openWebhookSecret,
  parseKeyring,
  seal,
  sealStoreSecrets,
  SecretUnreadable,
} from './index';

const key = () => randomBytes(32).toString('base64');
const K1 = key();
const K2 = key();
const ring1 = parseKeyring(`k1:${K1}`);
const ring21 = parseKeyring(`k2:${K2},k1:${K1}`);
const CONTEXT = 'store:lola:whatsapp.accessToken';

function unreadable(work: () => unknown): SecretUnreadable {
  try {
    work();
  } catch (e) {
    if (e instanceof SecretUnreadable) return e;
    throw e;
  }
  throw new Error('expected SecretUnreadable');
}

describe('parseKeyring', () => {
  it('takes id:base64key pairs; the first seals', () => {
    expect(ring21.currentKeyId).toBe('k2');
    expect([...ring21.keys.keys()]).toEqual(['k2', 'k1']);
    expect(ring21.keys.get('k1')).toEqual(Buffer.from(K1, 'base64'));
  });

  it('reports every bad entry at once, never showing key material', () => {
    const short = randomBytes(16).toString('base64');
    let message = '';
    try {
      parseKeyring(`k1:${K1},k1:${K2},bad id:${K1},k3:${short},k4`);
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toMatch(/key 2 \("k1"\): the id is listed twice/);
    expect(message).toMatch(/key 3: its id must match/);
    expect(message).toMatch(/key 4 \("k3"\): the key must be 32 bytes/);
    expect(message).toMatch(/key 5: expected id:base64key/);
    for (const material of [K1, K2, short]) expect(message).not.toContain(material);
    expect(() => parseKeyring(' , ')).toThrow(/holds no key/);
  });

  it('shows its ids, never a key, when logged or printed', () => {
    const shown = [JSON.stringify({ keys: ring21 }), inspect(ring21), inspect({ config: ring21 })].join(' ');
    expect(shown).toContain('[keyring k2,k1]');
    for (const material of [K1, K2, Buffer.from(K1, 'base64').toString('hex')]) expect(shown).not.toContain(material);
  });

  it('reads SECRETS_ENCRYPTION_KEYS or its _FILE as a secret, required', () => {
    const spec = { SECRETS_ENCRYPTION_KEYS: keyringEnv('keys') };
    expect(readConfig(spec, { SECRETS_ENCRYPTION_KEYS: `k1:${K1}` }).SECRETS_ENCRYPTION_KEYS.currentKeyId).toBe('k1');
    const file = join(mkdtempSync(join(tmpdir(), 'keys-')), 'keys');
    writeFileSync(file, `k2:${K2},k1:${K1}\n`);
    expect(readConfig(spec, { SECRETS_ENCRYPTION_KEYS_FILE: file }).SECRETS_ENCRYPTION_KEYS.currentKeyId).toBe('k2');
    expect(() => readConfig(spec, {})).toThrow(/SECRETS_ENCRYPTION_KEYS: is required/);
    let message = '';
    try {
      readConfig(spec, { SECRETS_ENCRYPTION_KEYS: `k1:${K1.slice(0, 20)}` });
    } catch (e) {
      message = (e as ConfigError).message;
    }
    expect(message).toMatch(/key 1 \("k1"\): the key must be 32 bytes/);
    const none = readConfig({ SECRETS_ENCRYPTION_KEYS: keyringNotRead('keys') }, {}).SECRETS_ENCRYPTION_KEYS;
    expect(() => seal('tok-123456', CONTEXT, none)).toThrow(/started without SECRETS_ENCRYPTION_KEYS/);
    expect(message).not.toContain(K1.slice(0, 20));
  });
});

describe('seal and open', () => {
  it('round-trips, with a fresh IV each time and the key id in the ciphertext', () => {
    const a = seal('EAAG-secret-token', CONTEXT, ring1);
    const b = seal('EAAG-secret-token', CONTEXT, ring1);
    expect(a).not.toBe(b);
    expect(a).not.toContain('EAAG');
    expect(keyIdOf(a)).toBe('k1');
    expect(open(a, CONTEXT, ring1)).toBe('EAAG-secret-token');
  });

  it('rotates: the old key still opens, the new one seals', () => {
    const old = seal('tok-123456', CONTEXT, ring1);
    expect(open(old, CONTEXT, ring21)).toBe('tok-123456');
    const fresh = seal('tok-123456', CONTEXT, ring21);
    expect(keyIdOf(fresh)).toBe('k2');
    expect(unreadable(() => open(fresh, CONTEXT, ring1)).why).toBe('unknown-key');
  });

  it('refuses a wrong key under the same id, an altered ciphertext, another place, another label', () => {
    const sealed = seal('tok-123456', CONTEXT, ring1);
    expect(unreadable(() => open(sealed, CONTEXT, parseKeyring(`k1:${K2}`))).why).toBe('does-not-open');
    const parts = sealed.split(':');
    const body = Buffer.from(parts[4], 'base64url');
    body[0] ^= 1;
    const altered = [...parts.slice(0, 4), body.toString('base64url'), parts[5]].join(':');
    expect(unreadable(() => open(altered, CONTEXT, ring1)).why).toBe('does-not-open');
    expect(unreadable(() => open(sealed, 'store:other:whatsapp.accessToken', ring1)).why).toBe('does-not-open');
    const relabelled = parseKeyring(`k9:${K1}`);
    expect(unreadable(() => open(sealed.replace(':k1:', ':k9:'), CONTEXT, relabelled)).why).toBe('does-not-open');
    expect(unreadable(() => open('tok-123456', CONTEXT, ring1)).why).toBe('malformed');
  });

  it('names the missing key id, never the secret', () => {
    const sealed = seal('tok-123456', CONTEXT, ring21);
    const error = unreadable(() => open(sealed, CONTEXT, ring1));
    expect(error.message).toMatch(/key "k2", which SECRETS_ENCRYPTION_KEYS does not hold/);
    expect(error.message).not.toContain('tok-123456');
  });
});

describe('store secrets', () => {
  const settings = {
    storeId: 'lola',
    whatsapp: { phoneNumberId: '106540352242922', mode: 'text', accessToken: 'EAAG-secret-token' },
    shopify: { webhookSecret: 'shpss_0123456789' },
  } as unknown as StoreSettings;

  it('seals each secret in its place and leaves no plaintext', () => {
    const { settings: sealed, changed } = sealStoreSecrets(settings, ring1);
    expect(changed).toBe(true);
    expect(JSON.stringify(sealed)).not.toMatch(/EAAG-secret-token|shpss_0123456789/);
    expect(sealed.whatsapp).not.toHaveProperty('accessToken');
    expect(sealed.shopify).not.toHaveProperty('webhookSecret');
    expect(openAccessToken(sealed, ring1)).toBe('EAAG-secret-token');
    expect(openWebhookSecret(sealed, 'shopify', ring1)).toBe('shpss_0123456789');
    expect(settings.whatsapp.accessToken).toBe('EAAG-secret-token'); // the input is left as it was
  });

  it('binds a ciphertext to its store: copied to another store it does not open', () => {
    const { settings: sealed } = sealStoreSecrets(settings, ring1);
    const moved = { ...sealed, storeId: 'other' };
    expect(unreadable(() => openAccessToken(moved, ring1)).why).toBe('does-not-open');
    expect(unreadable(() => openWebhookSecret(moved, 'shopify', ring1)).why).toBe('does-not-open');
  });

  it('re-seals under the newest key only when asked, and only what an older key sealed', () => {
    const { settings: old } = sealStoreSecrets(settings, ring1);
    const kept = sealStoreSecrets(old, ring21);
    expect(kept.changed).toBe(false);
    expect(kept.settings).toEqual(old);
    const rotated = sealStoreSecrets(old, ring21, { reseal: true });
    expect(rotated.changed).toBe(true);
    expect(keyIdOf(rotated.settings.whatsapp.accessTokenCiphertext!)).toBe('k2');
    expect(keyIdOf(rotated.settings.shopify!.webhookSecretCiphertext!)).toBe('k2');
    expect(openAccessToken(rotated.settings, parseKeyring(`k2:${K2}`))).toBe('EAAG-secret-token');
    expect(sealStoreSecrets(rotated.settings, ring21, { reseal: true }).changed).toBe(false);
    expect(() => sealStoreSecrets(old, parseKeyring(`k2:${K2}`), { reseal: true })).toThrow(SecretUnreadable);
  });

  it("seals the Shopify Admin API access token (the reconciliation poll's) in its place, bound to its store", () => {
    const withAdmin = {
      ...settings,
      shopify: {
        webhookSecret: 'shpss_0123456789',
        shopDomain: 'lola.myshopify.com',
        adminApiAccessToken: 'shpat_admin_0123',
      },
    } as unknown as StoreSettings;
    const { settings: sealed } = sealStoreSecrets(withAdmin, ring1);
    expect(JSON.stringify(sealed)).not.toContain('shpat_admin_0123');
    expect(sealed.shopify).toMatchObject({ shopDomain: 'lola.myshopify.com' });
    expect(sealed.shopify).not.toHaveProperty('adminApiAccessToken');
    expect(openAdminApiToken(sealed, 'shopify', ring1)).toBe('shpat_admin_0123');
    expect(unreadable(() => openAdminApiToken({ ...sealed, storeId: 'other' }, 'shopify', ring1)).why).toBe(
      'does-not-open',
    );
    expect(unreadable(() => openAdminApiToken(withAdmin, 'shopify', ring1)).why).toBe('plaintext');
    expect(openAdminApiToken(settings, 'shopify', ring1)).toBeUndefined();
  });

  it('refuses plaintext secrets when opening: no fallback to an unsealed secret', () => {
    expect(unreadable(() => openAccessToken(settings, ring1)).why).toBe('plaintext');
    expect(unreadable(() => openWebhookSecret(settings, 'shopify', ring1)).message).toMatch(/reencrypt-secrets/);
    const none = { storeId: 'lola', whatsapp: { phoneNumberId: '1', mode: 'text' } } as unknown as StoreSettings;
    expect(openAccessToken(none, ring1)).toBeUndefined();
    expect(openWebhookSecret(none, 'shopify', ring1)).toBeUndefined();
  });
});
