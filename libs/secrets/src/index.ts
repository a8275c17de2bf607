export { KEY_ID_PATTERN, Keyring, keyringEnv, parseKeyring } from './keyring';
export { SEALED_PREFIX, SecretUnreadable, isSealed, keyIdOf, open, seal } from './sealed-secret';
export {
  accessTokenContext,
  openAccessToken,
  openWebhookSecret,
  sealStoreSecrets,
  webhookSecretContext,
} from './store-secrets';
