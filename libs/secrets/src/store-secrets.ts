import { StoreSettings, WEBHOOK_PLATFORMS, WebhookPlatform } from '@lib/contracts';
import type { Keyring } from './keyring';
import { keyIdOf, open, seal, SecretUnreadable } from './sealed-secret';

/** Where a store's secret belongs: the additional data that binds its ciphertext there. */
export function accessTokenContext(storeId: string): string {
  return `store:${storeId}:whatsapp.accessToken`;
}

export function webhookSecretContext(storeId: string, platform: WebhookPlatform | string): string {
  return `store:${storeId}:${platform}.webhookSecret`;
}

export function adminApiTokenContext(storeId: string, platform: WebhookPlatform | string): string {
  return `store:${storeId}:${platform}.adminApiAccessToken`;
}

/**
 * The settings as ingest publishes and stores them: each plaintext secret sealed under the
 * keyring's current key and removed. With `reseal`, ciphertexts under an older key are opened
 * and sealed again under the current one (rotation). Throws SecretUnreadable when an older
 * ciphertext does not open.
 */
export function sealStoreSecrets(
  settings: StoreSettings,
  keyring: Keyring,
  opts: { reseal?: boolean } = {},
): { settings: StoreSettings; changed: boolean } {
  let changed = false;
  const next = structuredClone(settings);
  const { storeId } = next;
  const sealed = (plaintext: string | undefined, ciphertext: string | undefined, context: string) => {
    if (plaintext !== undefined) {
      changed = true;
      return seal(plaintext, context, keyring);
    }
    if (ciphertext === undefined || !opts.reseal || keyIdOf(ciphertext) === keyring.currentKeyId) return ciphertext;
    changed = true;
    return seal(open(ciphertext, context, keyring), context, keyring);
  };
  const token = sealed(next.whatsapp.accessToken, next.whatsapp.accessTokenCiphertext, accessTokenContext(storeId));
  delete next.whatsapp.accessToken;
  if (token !== undefined) next.whatsapp.accessTokenCiphertext = token;
  for (const platform of WEBHOOK_PLATFORMS) {
    const section = next[platform];
    if (!section) continue;
    const secret = sealed(
      section.webhookSecret,
      section.webhookSecretCiphertext,
      webhookSecretContext(storeId, platform),
    );
    delete section.webhookSecret;
    if (secret !== undefined) section.webhookSecretCiphertext = secret;
    const adminToken = sealed(
      section.adminApiAccessToken,
      section.adminApiAccessTokenCiphertext,
      adminApiTokenContext(storeId, platform),
    );
    delete section.adminApiAccessToken;
    if (adminToken !== undefined) section.adminApiAccessTokenCiphertext = adminToken;
  }
  return { settings: next, changed };
}

/**
 * The store's WhatsApp access token, opened (undefined: none set). A token in plaintext is
 * refused like one that does not open: a service never falls back to an unsealed secret.
 */
export function openAccessToken(settings: StoreSettings, keyring: Keyring): string | undefined {
  const { accessToken, accessTokenCiphertext } = settings.whatsapp;
  if (accessTokenCiphertext !== undefined) {
    return open(accessTokenCiphertext, accessTokenContext(settings.storeId), keyring);
  }
  if (accessToken !== undefined) throw plaintextRefused('whatsapp.accessToken');
  return undefined;
}

/** The store's signing secret for a platform's webhooks, opened (undefined: none set). */
export function openWebhookSecret(
  settings: Pick<StoreSettings, 'storeId'> & Partial<Record<string, unknown>>,
  platform: string,
  keyring: Keyring,
): string | undefined {
  const section = settings[platform] as { webhookSecret?: unknown; webhookSecretCiphertext?: unknown } | undefined;
  if (typeof section?.webhookSecretCiphertext === 'string') {
    return open(section.webhookSecretCiphertext, webhookSecretContext(settings.storeId, platform), keyring);
  }
  if (section?.webhookSecret !== undefined) throw plaintextRefused(`${platform}.webhookSecret`);
  return undefined;
}

/** The store's Admin API access token for a platform (the reconciliation poll's), opened (undefined: none set). */
export function openAdminApiToken(
  settings: StoreSettings,
  platform: WebhookPlatform,
  keyring: Keyring,
): string | undefined {
  const section = settings[platform];
  if (section?.adminApiAccessTokenCiphertext !== undefined) {
    return open(section.adminApiAccessTokenCiphertext, adminApiTokenContext(settings.storeId, platform), keyring);
  }
  if (section?.adminApiAccessToken !== undefined) throw plaintextRefused(`${platform}.adminApiAccessToken`);
  return undefined;
}

function plaintextRefused(field: string): SecretUnreadable {
  return new SecretUnreadable(
    'plaintext',
    `${field} is in plaintext (published before encryption): run ingest's reencrypt-secrets`,
  );
}
