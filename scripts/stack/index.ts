/**
 * The local stack's programmatic API (the CLI, jest's global setup and fault tests use it):
 * an Apache Kafka broker (or a KRaft cluster of 3, optionally with a SASL_SSL listener) run from Maven Central jars, PostgreSQL (the machine's,
 * DATABASE_URL's or an embedded one), and the product's topics. See docs/local-stack.md.
 */
export { envLines, stackUp, stackDown, stackStatus, startKafka, stopKafka } from './stack';
export type { StackUp, StackUpOptions, StackDownOptions, StackStatus, Runtime } from './stack';
export { alignTopicConfigs, ensureTopics, waitForTopics } from './kafka/topics';
export type { TopicAdminOptions } from './kafka/topics';
export { kafkaModeFromEnv, startLocalKafka } from './kafka/cluster';
export type { KafkaMode, KafkaSecurityMode, LocalKafka, LocalKafkaNode, LocalKafkaOptions } from './kafka/cluster';
export { unsecuredJwt, SCRAM_USERNAME } from './kafka/secure';
export type { PostgresMode } from './postgres/resolve';
export type { Log } from './progress';
