import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { kafkaSecurityFromEnv } from '../libs/config/src/common';
import { isAuthenticationFailure, kafkaJsSecurity } from '../libs/kafka/src/security';
import { allTopics } from '../libs/contracts/src/topics';
import { ensureTopics, startLocalKafka, unsecuredJwt, type LocalKafka } from '../scripts/stack';
import { PLAINTEXT } from '../scripts/stack/kafka/cluster';

// A cluster of its own (not the shared stack on 9092): three KRaft nodes, each with a SASL_SSL
// listener beside the PLAINTEXT one, on free ports, in a temporary directory.
describe('local stack: 3-node cluster with a SASL_SSL listener', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'stack-cluster-'));
  let kafka: LocalKafka;
  const prefix = 't-cluster.';

  beforeAll(async () => {
    kafka = await startLocalKafka({ dir, nodes: 3, secure: true, partitions: 3, log: () => undefined });
  }, 120_000);

  afterAll(async () => {
    await kafka?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const client = (env: Record<string, string>) =>
    new Kafka({
      clientId: 'stack-cluster-int-spec',
      brokers: env.KAFKA_BROKERS.split(','),
      logLevel: logLevel.NOTHING,
      connectionTimeout: 5_000,
      retry: { retries: 2 },
      ...kafkaJsSecurity(kafkaSecurityFromEnv(env)),
    });

  it('creates the contract topics with replication 3 and min.insync.replicas 2, internal topics too', async () => {
    const created = await ensureTopics(kafka.brokers, prefix, 3, { security: PLAINTEXT });
    // Every topic of the contracts, each with its dead-letter topic (the list is checked below).
    expect(created).toHaveLength(allTopics(prefix, { brokers: 3 }).length);
    expect(created.length).toBeGreaterThanOrEqual(18);
    const admin = client({ KAFKA_BROKERS: kafka.brokers }).admin();
    await admin.connect();
    try {
      const { topics } = await admin.fetchTopicMetadata({ topics: [...created, '__consumer_offsets'] });
      for (const t of topics) for (const p of t.partitions) expect(p.replicas).toHaveLength(3);
      const { resources } = await admin.describeConfigs({
        includeSynonyms: false,
        resources: [...created, '__consumer_offsets'].map((name) => ({
          type: 2 /* TOPIC */,
          name,
          configNames: ['min.insync.replicas'],
        })),
      });
      for (const r of resources.filter((x) => x.resourceName !== '__consumer_offsets'))
        expect(r.configEntries[0].configValue).toBe('2');
      expect(
        allTopics(prefix, { brokers: 3 })
          .map((t) => t.name)
          .sort(),
      ).toEqual([...created].sort());
    } finally {
      await admin.disconnect();
    }
  });

  it('lets a SCRAM-SHA-512 client over SASL_SSL, trusting the generated CA, produce and consume', async () => {
    const secure = client(kafka.clientEnv);
    // The stack tooling's own clients take the same settings.
    const [topic] = await ensureTopics(kafka.secureBrokers!, `${prefix}scram.`, 3, {
      security: kafkaSecurityFromEnv(kafka.clientEnv),
    });
    const producer = secure.producer({ idempotent: true });
    await producer.connect();
    await producer.send({ topic, acks: -1, messages: [{ key: 'k', value: 'over SASL_SSL' }] });
    await producer.disconnect();
    const consumer = secure.consumer({ groupId: `${prefix}scram-group`, maxWaitTimeInMs: 100 });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    try {
      const value = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('no record within 30 s')), 30_000);
        void consumer.run({
          eachMessage: async ({ message }) => {
            clearTimeout(timer);
            resolve(message.value!.toString());
          },
        });
      });
      expect(value).toBe('over SASL_SSL');
    } finally {
      await consumer.disconnect();
    }
  });

  it('accepts SCRAM-SHA-256 and refuses a wrong password', async () => {
    const sha256 = client({ ...kafka.clientEnv, KAFKA_SASL_MECHANISM: 'SCRAM-SHA-256' }).admin();
    await sha256.connect();
    await sha256.disconnect();
    const wrong = client({ ...kafka.clientEnv, KAFKA_SASL_PASSWORD: 'not-the-password' }).admin();
    const error = await wrong.connect().then(
      () => undefined,
      (e: unknown) => e,
    );
    await wrong.disconnect();
    expect(error).toBeDefined();
    expect(isAuthenticationFailure(error)).toBe(true);
  });

  it('lets an OAUTHBEARER client with an unsecured JWT (alg none) connect', async () => {
    const tokenFile = path.join(dir, 'token.jwt');
    writeFileSync(tokenFile, unsecuredJwt('cart-recovery-test'));
    const admin = client({
      KAFKA_BROKERS: kafka.secureBrokers!,
      KAFKA_SECURITY_PROTOCOL: 'SASL_SSL',
      KAFKA_SASL_MECHANISM: 'OAUTHBEARER',
      KAFKA_SASL_OAUTHBEARER_TOKEN_FILE: tokenFile,
      KAFKA_SSL_CA_FILE: kafka.clientEnv.KAFKA_SSL_CA_FILE,
    }).admin();
    await admin.connect();
    try {
      expect(await admin.listTopics()).toEqual(expect.arrayContaining([`${prefix}send-due`]));
    } finally {
      await admin.disconnect();
    }
  });
});
