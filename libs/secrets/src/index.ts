export { KEY_ID_PATTERN, Keyring, keyringEnv, keyringNotRead, parseKeyring } from './keyring';
export { SEALED_PREFIX, SecretUnreadable, isSealed, keyIdOf, open, seal } from './sealed-secret';
export {
  accessTokenContext,
  adminApiTokenContext,
  openAccessToken,
  openAdminApiToken,
  openWebhookSecret,
  sealStoreSecrets,
  webhookSecretContext,
} from './store-secrets';
export { PhoneHashKey, parsePhoneHashKey, phoneHashKeyEnv } from './phone-hash';
export {
  LinkSigningKeys,
  linkSigningKeysEnv,
  mintLinkToken,
  parseLinkSigningKeys,
  verifyLinkToken,
} from './link-token';
