import { Kafka, logLevel, type Admin } from 'kafkajs';
import { kafkaSecurityFromEnv } from '../../../libs/config/src/common';
import type { KafkaSecurity } from '../../../libs/config/src/connections';
import { kafkaJsSecurity } from '../../../libs/kafka/src/security';
import { sleep } from '../progress';

/**
 * kafkajs silenced: connection refusals are expected while a broker starts. `security`
 * defaults to the environment's (KAFKA_SECURITY_PROTOCOL, KAFKA_SASL_*, KAFKA_SSL_*, as the
 * services read them; a bad value throws ConfigError); the stack passes PLAINTEXT for the
 * loopback listener of its own brokers.
 */
export function quietKafka(brokers: string, retries = 5, security: KafkaSecurity = kafkaSecurityFromEnv()): Kafka {
  return new Kafka({
    clientId: 'local-stack',
    brokers: brokers.split(','),
    logLevel: logLevel.NOTHING,
    // TLS and SASL take a few round trips more than a bare connection.
    connectionTimeout: security.protocol === 'PLAINTEXT' ? 1_000 : 3_000,
    retry: { retries },
    ...kafkaJsSecurity(security),
  });
}

export async function withAdmin<T>(kafka: Kafka, fn: (admin: Admin) => Promise<T>): Promise<T> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    return await fn(admin);
  } finally {
    await admin.disconnect();
  }
}

/** True when one metadata request to the cluster succeeds. */
export async function metadataAnswers(brokers: string, security?: KafkaSecurity): Promise<boolean> {
  try {
    await withAdmin(quietKafka(brokers, 0, security), (admin) => admin.describeCluster());
    return true;
  } catch {
    return false;
  }
}

/**
 * Waits until a metadata request succeeds; `stillRunning` is asked between tries so a
 * broker that died fails at once instead of at the timeout.
 */
export async function waitForMetadata(
  brokers: string,
  stillRunning: () => boolean,
  timeoutMs: number,
  security?: KafkaSecurity,
): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await metadataAnswers(brokers, security))) {
    if (!stillRunning()) throw new Error('the broker process exited while starting');
    if (Date.now() > until) throw new Error(`no metadata answer from ${brokers} within ${timeoutMs} ms`);
    await sleep(200);
  }
}

/**
 * Makes the broker create and load __consumer_offsets now (a FindCoordinator request does),
 * so the first consumer group of a test does not wait for it.
 */
export async function warmGroupCoordinator(brokers: string, security?: KafkaSecurity): Promise<void> {
  await withAdmin(quietKafka(brokers, 10, security), (admin) => admin.describeGroups(['local-stack-warm-up']));
}
