// Console access: the tokens a platform mints for one store's console (pure), the keyring they
// are signed with, and the guard every console route (ingest's, the scheduler's) sits behind.
export {
  CONSOLE_AUDIENCE,
  CONSOLE_TOKEN_MAX_MINUTES,
  REFUSAL_MESSAGES,
  mintConsoleToken,
  verifyConsoleToken,
} from './console-token';
export type { ConsoleSigningKeys, ConsoleTokenCheck, ConsoleTokenClaims, ConsoleTokenRefusal } from './console-token';
export { ConsoleSigningKeyring, consoleSigningKeysEnv } from './signing-keys';
export { CONSOLE_STORE, ConsoleAccess, ConsoleTokenGuard } from './console-token.guard';
