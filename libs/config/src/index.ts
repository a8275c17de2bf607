export { ConfigError, readConfig, env } from './env-spec';
export type { ConfigOf, EnvVar } from './env-spec';
export { commonEnv } from './common';
