export { ConfigError, readConfig, env } from './env-spec';
export type { ConfigCheck, ConfigOf, EnvVar } from './env-spec';
export { commonChecks, commonEnv, databaseTlsOf, kafkaSecurityFromEnv, kafkaSecurityOf } from './common';
export {
  DATABASE_SSL_MODES,
  KAFKA_SASL_MECHANISMS,
  KAFKA_SECURITY_PROTOCOLS,
  databaseUrlForPool,
  nodePostgresSsl,
  resolveDatabaseTls,
  resolveKafkaSecurity,
} from './connections';
export type {
  DatabaseSslMode,
  DatabaseTls,
  KafkaSasl,
  KafkaSaslMechanism,
  KafkaSecurity,
  KafkaSecurityProtocol,
  KafkaTls,
} from './connections';
