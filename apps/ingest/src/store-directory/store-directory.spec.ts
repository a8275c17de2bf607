import { StoreDirectory } from './store-directory';

describe('StoreDirectory', () => {
  it('keeps the latest settings per store, forgets a store on a tombstone, ignores unreadable records', () => {
    const dir = new StoreDirectory();
    dir.applyRecord('lola', JSON.stringify({ defaultCountry: 'ES', shopify: { webhookSecret: 's3cret' } }));
    dir.applyRecord('bob', Buffer.from(JSON.stringify({ defaultCountry: 'US' })));
    expect(dir.get('lola')).toEqual({ defaultCountry: 'ES', webhookSecrets: { shopify: 's3cret' } });
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
});
