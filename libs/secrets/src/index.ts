export { KEY_ID_PATTERN, parseKeyring } from './keyring';
export type { Keyring } from './keyring';
export { SEALED_PREFIX, SecretUnreadable, isSealed, keyIdOf, open, seal } from './sealed-secret';
export {
  accessTokenContext,
  openAccessToken,
  openWebhookSecret,
  sealStoreSecrets,
  webhookSecretContext,
} from './store-secrets';
