import {
  databaseTlsEnv,
  kafkaSecurityEnv,
  resolveDatabaseTls,
  resolveKafkaSecurity,
  type DatabaseTls,
  type KafkaSecurity,
} from './connections';
import { ConfigError, env, readConfig, type ConfigCheck } from './env-spec';

/** Variables every service reads: where Kafka and PostgreSQL are, how it logs, how it stops. */
export function commonEnv(service: string, defaultHttpPort: number) {
  return {
    KAFKA_BROKERS: env.list('Comma-separated Kafka bootstrap servers, e.g. 127.0.0.1:9092', { minItems: 1 }),
    KAFKA_CLIENT_ID: env.string('Kafka client id prefix', { default: `cart-recovery-${service}` }),
    ...kafkaSecurityEnv,
    TOPIC_PREFIX: env.string('Prefix for every topic name', { default: '', pattern: /^[A-Za-z0-9._-]*$/ }),
    DATABASE_URL: env.url('PostgreSQL connection URL', { protocols: ['postgres', 'postgresql'], secret: true }),
    DATABASE_SCHEMA: env.string('PostgreSQL schema owned by this service', {
      default: service.replace(/-/g, '_'),
      pattern: /^[a-z_][a-z0-9_]{0,62}$/,
    }),
    ...databaseTlsEnv,
    DATABASE_POOL_SIZE: env.int('PostgreSQL pool size', { default: 10, min: 1, max: 200 }),
    MIGRATIONS_RUN: env.bool('Run pending migrations at start-up (else run `migrate` as a separate step)', {
      default: true,
    }),
    HTTP_PORT: env.int('Port of the HTTP server (health, metrics, APIs)', {
      default: defaultHttpPort,
      min: 0,
      max: 65535,
    }),
    HTTP_HOST: env.string('Address the HTTP server binds', { default: '0.0.0.0' }),
    LOG_LEVEL: env.oneOf('Log level', ['fatal', 'error', 'warn', 'info', 'debug', 'trace'] as const, {
      default: 'info',
    }),
    API_KEYS: env.list('Comma-separated platform API keys accepted as `Authorization: Bearer <key>`', {
      default: [],
      secret: true,
    }),
    SHUTDOWN_TIMEOUT_MS: env.int('How long SIGTERM waits for the running batch before exiting', {
      default: 25_000,
      min: 1000,
    }),
  };
}

/** The rules across the common variables: Kafka security and PostgreSQL TLS combinations. */
export const commonChecks: readonly ConfigCheck[] = [
  (c) => resolveKafkaSecurity(c).problems,
  (c) => resolveDatabaseTls(c).problems,
];

/** The Kafka security of a configuration read with `commonChecks` (so it has no problem). */
export function kafkaSecurityOf(config: Record<string, unknown>): KafkaSecurity {
  return settled(resolveKafkaSecurity(config));
}

/** The PostgreSQL TLS settings of a configuration read with `commonChecks`. */
export function databaseTlsOf(config: Record<string, unknown>): DatabaseTls {
  return settled(resolveDatabaseTls(config));
}

/**
 * Kafka security for tools outside the services (the stack, tests, benchmarks), from the same
 * variables; throws ConfigError naming each bad one.
 */
export function kafkaSecurityFromEnv(source: NodeJS.ProcessEnv = process.env): KafkaSecurity {
  return kafkaSecurityOf(readConfig(kafkaSecurityEnv, source, [(c) => resolveKafkaSecurity(c).problems]));
}

function settled<T>(resolved: { value?: T; problems: string[] }): T {
  if (!resolved.value) throw new ConfigError(resolved.problems);
  return resolved.value;
}
