import { randomBytes } from 'node:crypto';
import { parseKeyring, seal, SecretUnreadable, webhookSecretContext } from '@lib/secrets';
import { StoreDirectory } from './store-directory';

const keyring = parseKeyring(`k1:${randomBytes(32).toString('base64')}`);
const sealed = (storeId: string, secret: string) => seal(secret, webhookSecretContext(storeId, 'shopify'), keyring);

describe('StoreDirectory', () => {
  it('keeps the latest settings per store, forgets a store on a tombstone, ignores unreadable records', () => {
    const dir = new StoreDirectory(keyring);
    dir.applyRecord(
      'lola',
      JSON.stringify({ defaultCountry: 'ES', shopify: { webhookSecretCiphertext: sealed('lola', 's3cret-123') } }),
    );
    dir.applyRecord('bob', Buffer.from(JSON.stringify({ defaultCountry: 'US' })));
    expect(dir.get('lola')).toEqual({ defaultCountry: 'ES', webhookSecrets: { shopify: 's3cret-123' } });
    dir.applyRecord('lola', JSON.stringify({ defaultCountry: 'PT' }));
    expect(dir.get('lola')).toEqual({ defaultCountry: 'PT' });
    dir.applyRecord('bob', '{broken');
    dir.applyRecord('bob', JSON.stringify({ defaultCountry: 'usa' }));
    expect(dir.get('bob')).toEqual({ defaultCountry: 'US' });
    dir.applyRecord('bob', null);
    expect(dir.get('bob')).toBeUndefined();
    dir.applyRecord(null, JSON.stringify({ defaultCountry: 'FR' }));
    expect(dir.size).toBe(1);
  });

  it('keeps no secret that does not open: plaintext, another store, an unknown key; and says so', () => {
    const told: Array<[string, string]> = [];
    const dir = new StoreDirectory(keyring, (storeId, _platform, error: SecretUnreadable) =>
      told.push([storeId, error.why]),
    );
    dir.applyRecord('plain', JSON.stringify({ defaultCountry: 'ES', shopify: { webhookSecret: 's3cret-123' } }));
    dir.applyRecord(
      'moved',
      JSON.stringify({ defaultCountry: 'ES', shopify: { webhookSecretCiphertext: sealed('lola', 's3cret-123') } }),
    );
    const otherKey = parseKeyring(`k2:${randomBytes(32).toString('base64')}`);
    const foreign = seal('s3cret-123', webhookSecretContext('gone', 'shopify'), otherKey);
    dir.applyRecord('gone', JSON.stringify({ defaultCountry: 'ES', shopify: { webhookSecretCiphertext: foreign } }));
    expect(told).toEqual([
      ['plain', 'plaintext'],
      ['moved', 'does-not-open'],
      ['gone', 'unknown-key'],
    ]);
    for (const store of ['plain', 'moved', 'gone']) {
      expect(dir.get(store)?.webhookSecrets).toBeUndefined();
      expect(dir.get(store)?.defaultCountry).toBe('ES');
    }
    expect(dir.unreadable().map(([storeId]) => storeId)).toEqual(['plain', 'moved', 'gone']);
    expect(JSON.stringify(dir.unreadable())).not.toContain('s3cret-123');
  });
});
