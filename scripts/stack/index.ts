/**
 * The local stack's programmatic API (the CLI, jest's global setup and fault tests use it):
 * a single-node Apache Kafka broker run from Maven Central jars, PostgreSQL (the machine's,
 * DATABASE_URL's or an embedded one), and the product's topics. See docs/local-stack.md.
 */
export { stackUp, stackDown, stackStatus, startKafka, stopKafka } from './stack';
export type { StackUp, StackUpOptions, StackDownOptions, StackStatus, Runtime } from './stack';
export { alignTopicConfigs, ensureTopics, waitForTopics } from './kafka/topics';
export type { PostgresMode } from './postgres/resolve';
export type { Log } from './progress';
