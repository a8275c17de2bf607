import type { StoreSettings } from '@lib/contracts';
import { parseKeyring, sealStoreSecrets } from '@lib/secrets';

/**
 * The test runs' keyring (SECRETS_ENCRYPTION_KEYS of ingest and the sender): fixed, so records
 * sealed by one test process open in another. Never a production key.
 */
export const TEST_SECRETS_ENCRYPTION_KEYS = `test-1:${Buffer.alloc(32, 'cart-recovery test key, not secret').toString('base64')}`;
export const testKeyring = parseKeyring(TEST_SECRETS_ENCRYPTION_KEYS);

/** The keyring variable for a service that uses secrets (ingest, the sender); the scheduler gets none. */
export function secretsEnv(source: NodeJS.ProcessEnv = process.env): Record<string, string> {
  return { SECRETS_ENCRYPTION_KEYS: source.SECRETS_ENCRYPTION_KEYS ?? TEST_SECRETS_ENCRYPTION_KEYS };
}

/**
 * Settings as ingest publishes them (secrets sealed with the test keyring), for tests that
 * publish on `store-settings` themselves instead of through the admin API.
 */
export function sealedSettings<T extends object>(settings: T): T {
  const s = settings as unknown as StoreSettings;
  if (!s.whatsapp) {
    // A partial record (ingest's tests): only its platform sections are sealed.
    const whole = { ...s, whatsapp: { phoneNumberId: '0', mode: 'text' } } as StoreSettings;
    const { whatsapp: _none, ...sealed } = sealStoreSecrets(whole, testKeyring).settings;
    return sealed as unknown as T;
  }
  return sealStoreSecrets(s, testKeyring).settings as unknown as T;
}
