/**
 * The Helm chart's topic Job for real: its script (files/create-topics.sh), with the topic list
 * and the variables `helm template` renders, runs Kafka's own command-line tools (TopicCommand
 * and ConfigCommand, resolved by Maven from test/support/kafka-tools/pom.xml, as kafka-topics.sh
 * and kafka-configs.sh run them in the apache/kafka image) against a broker of its own with a
 * SASL_SSL listener: SCRAM-SHA-512 with the password from a file and the generated CA as a PEM
 * trust store, then OAUTHBEARER from a token file.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ConfigResourceTypes, Kafka, logLevel } from 'kafkajs';
import { stringify } from 'yaml';
import { kafkaSecurityFromEnv } from '../libs/config/src/common';
import { allTopics } from '../libs/contracts/src/topics';
import { kafkaJsSecurity } from '../libs/kafka/src/security';
import { startLocalKafka, unsecuredJwt, type LocalKafka } from '../scripts/stack';
import { CHART, ROOT, render } from '../deploy/helm/chart-render';
import { TEST_SECRETS_ENCRYPTION_KEYS } from './support/secrets';

const POM = path.join(ROOT, 'test/support/kafka-tools/pom.xml');
const LIB = path.join(ROOT, '.stack/kafka-tools/lib');

/** Kafka's tools jars, resolved once per version of the pom. */
function kafkaToolsClasspath(): string {
  const stamp = path.join(LIB, '.pom-sha256');
  const hash = createHash('sha256').update(readFileSync(POM)).digest('hex');
  if (!existsSync(stamp) || readFileSync(stamp, 'utf8').trim() !== hash) {
    const partial = `${LIB}.partial`;
    rmSync(partial, { recursive: true, force: true });
    execFileSync(
      'mvn',
      ['-q', '-B', '-f', POM, 'dependency:copy-dependencies', `-DoutputDirectory=${partial}`, '-DincludeScope=runtime'],
      { stdio: 'inherit', timeout: 300_000 },
    );
    writeFileSync(path.join(partial, '.pom-sha256'), `${hash}\n`);
    rmSync(LIB, { recursive: true, force: true });
    mkdirSync(path.dirname(LIB), { recursive: true });
    renameSync(partial, LIB);
  }
  return path.join(LIB, '*');
}

describe("the chart's topic Job script against a SASL_SSL broker, with Kafka's own tools", () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'deploy-topics-'));
  const bin = path.join(dir, 'bin');
  let kafka: LocalKafka;

  beforeAll(async () => {
    const classpath = kafkaToolsClasspath();
    mkdirSync(bin);
    // What the image's kafka-topics.sh and kafka-configs.sh run.
    for (const [script, main] of [
      ['kafka-topics.sh', 'org.apache.kafka.tools.TopicCommand'],
      ['kafka-configs.sh', 'kafka.admin.ConfigCommand'],
    ])
      writeFileSync(
        path.join(bin, script),
        `#!/usr/bin/env bash\nexec java -Xmx256m -XX:TieredStopAtLevel=1 $KAFKA_OPTS -cp '${classpath}' ${main} "$@"\n`,
        { mode: 0o755 },
      );
    kafka = await startLocalKafka({ dir: path.join(dir, 'kafka'), nodes: 1, secure: true, log: () => undefined });
  }, 300_000);

  afterAll(async () => {
    await kafka?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  /** The topic Job as the chart renders it: its topic list, its script and its variables. */
  const topicJob = (values: unknown) => {
    const file = path.join(dir, `values-${Math.random().toString(36).slice(2)}.yaml`);
    writeFileSync(file, stringify(values));
    // The keyring the chart requires of every install (the topic Job never reads it).
    const keyring = path.join(dir, 'keyring.yaml');
    writeFileSync(
      keyring,
      stringify({ secrets: { values: { SECRETS_ENCRYPTION_KEYS: TEST_SECRETS_ENCRYPTION_KEYS } } }),
    );
    const objects = render(['-f', keyring, '-f', file]);
    const cm = objects.find(
      (o) => o.kind === 'ConfigMap' && o.metadata.labels?.['app.kubernetes.io/component'] === 'topics',
    )!;
    const job = objects.find(
      (o) => o.kind === 'Job' && o.metadata.labels?.['app.kubernetes.io/component'] === 'topics',
    )!;
    const env = (job.spec as { template: { spec: { containers: { env: { name: string; value: string }[] }[] } } })
      .template.spec.containers[0].env;
    const data = cm.data as Record<string, string>;
    expect(data['create-topics.sh']).toBe(readFileSync(path.join(CHART, 'files/create-topics.sh'), 'utf8'));
    writeFileSync(path.join(dir, 'topics'), data.topics);
    return Object.fromEntries(env.map((e) => [e.name, e.value]));
  };

  const runJob = (env: Record<string, string>) => {
    const run = spawnSync('bash', [path.join(CHART, 'files/create-topics.sh'), path.join(dir, 'topics')], {
      env: { PATH: process.env.PATH, HOME: process.env.HOME, KAFKA_BIN: bin, ...env },
      encoding: 'utf8',
      timeout: 240_000,
    });
    return { status: run.status, out: `${run.stdout}${run.stderr}` };
  };

  const admin = () =>
    new Kafka({
      clientId: 'deploy-topics-int-spec',
      brokers: kafka.clientEnv.KAFKA_BROKERS.split(','),
      logLevel: logLevel.NOTHING,
      ...kafkaJsSecurity(kafkaSecurityFromEnv(kafka.clientEnv)),
    }).admin();

  it('creates every contract topic with SCRAM-SHA-512 and the PEM CA, and sets the configuration again on a second run', async () => {
    const prefix = 't-chart.';
    const env = topicJob({
      kafka: {
        brokers: kafka.secureBrokers!.split(','),
        topicPrefix: prefix,
        securityProtocol: 'SASL_SSL',
        sasl: { mechanism: 'SCRAM-SHA-512', username: kafka.clientEnv.KAFKA_SASL_USERNAME },
        tls: { secretName: 'kafka-ca', caKey: 'ca.crt' },
      },
      secrets: { values: { DATABASE_URL: 'postgres://u@db/cart', KAFKA_SASL_PASSWORD: 'x' } },
      topics: { partitions: 3, clusterBrokers: 1, dlqExtraConfig: { 'retention.ms': '86400000' } },
      autoscaling: { mode: 'none' },
    });
    expect(env).toMatchObject({
      KAFKA_SECURITY_PROTOCOL: 'SASL_SSL',
      KAFKA_SASL_MECHANISM: 'SCRAM-SHA-512',
      KAFKA_SASL_PASSWORD_FILE: '/etc/cart-recovery/secrets/KAFKA_SASL_PASSWORD',
      KAFKA_SSL_CA_FILE: '/etc/cart-recovery/kafka-tls/ca.crt',
    });
    // The files the pod mounts, here.
    const passwordFile = path.join(dir, 'KAFKA_SASL_PASSWORD');
    writeFileSync(passwordFile, kafka.clientEnv.KAFKA_SASL_PASSWORD);
    const local = {
      ...env,
      KAFKA_SASL_PASSWORD_FILE: passwordFile,
      KAFKA_SSL_CA_FILE: kafka.clientEnv.KAFKA_SSL_CA_FILE,
    };

    const first = runJob(local);
    expect(first.out).not.toMatch(/Error|Exception/);
    expect(first.status).toBe(0);
    const expected = allTopics(prefix, { brokers: 1 });
    for (const t of expected) expect(first.out).toContain(`${t.name}: created (3 partitions, replication 1`);

    const client = admin();
    await client.connect();
    try {
      const { topics } = await client.fetchTopicMetadata({ topics: expected.map((t) => t.name) });
      expect(topics.map((t) => t.partitions.length)).toEqual(expected.map(() => 3));
      const { resources } = await client.describeConfigs({
        includeSynonyms: false,
        resources: expected.map((t) => ({ type: ConfigResourceTypes.TOPIC, name: t.name })),
      });
      for (const t of expected) {
        const entries = resources.find((r) => r.resourceName === t.name)!.configEntries;
        const value = (name: string) => entries.find((e) => e.configName === name)?.configValue;
        // The contract's retention and cleanup policy reach the broker; the DLQs' value overrides it.
        const wanted = { ...t.config, ...(t.name.endsWith('-dlq') ? { 'retention.ms': '86400000' } : {}) };
        expect(Object.keys(wanted)).toEqual(expect.arrayContaining(['cleanup.policy']));
        for (const [name, v] of Object.entries(wanted)) expect([t.name, name, value(name)]).toEqual([t.name, name, v]);
      }
    } finally {
      await client.disconnect();
    }

    // An upgrade: a topic an older chart left with the broker's retention gets the contract's.
    const sendDue = `${prefix}send-due`;
    const retentionOf = async () => {
      const c = admin();
      await c.connect();
      try {
        const { resources } = await c.describeConfigs({
          includeSynonyms: false,
          resources: [{ type: ConfigResourceTypes.TOPIC, name: sendDue, configNames: ['retention.ms'] }],
        });
        return resources[0].configEntries[0]?.configValue;
      } finally {
        await c.disconnect();
      }
    };
    const older = admin();
    await older.connect();
    await older
      .alterConfigs({
        validateOnly: false,
        resources: [
          {
            type: ConfigResourceTypes.TOPIC,
            name: sendDue,
            configEntries: [{ name: 'retention.ms', value: '604800001' }],
          },
        ],
      })
      .finally(() => older.disconnect());
    expect(await retentionOf()).toBe('604800001');

    const second = runJob(local);
    expect(second.status).toBe(0);
    expect(second.out).toContain(`${prefix}store-settings: exists, configuration set (cleanup.policy=compact)`);
    expect(second.out).toContain(
      `${prefix}send-due: exists, configuration set (cleanup.policy=delete,retention.ms=${7 * 86_400_000})`,
    );
    expect(await retentionOf()).toBe(String(7 * 86_400_000));
  }, 300_000);

  // The local broker validates unsecured JWTs (alg none, empty signature) only, which Kafka's
  // Java client refuses to send: what is checked is that the client takes the script's
  // OAUTHBEARER settings, reads the token file through its file: URL and presents the token,
  // which this broker then answers `invalid_token`. A broker validating signed tokens would let it in.
  it('presents the token file with OAUTHBEARER', () => {
    const env = topicJob({
      kafka: {
        brokers: kafka.secureBrokers!.split(','),
        topicPrefix: 't-chart-oauth.',
        securityProtocol: 'SASL_SSL',
        sasl: { mechanism: 'OAUTHBEARER', oauthbearer: { tokenFile: '/var/run/kafka/token' } },
        tls: { secretName: 'kafka-ca' },
      },
      secrets: { values: { DATABASE_URL: 'postgres://u@db/cart' } },
      topics: { partitions: 1, clusterBrokers: 1 },
      autoscaling: { mode: 'none' },
    });
    expect(env).toMatchObject({
      KAFKA_SASL_MECHANISM: 'OAUTHBEARER',
      KAFKA_SASL_OAUTHBEARER_TOKEN_FILE: '/var/run/kafka/token',
    });
    const tokenFile = path.join(dir, 'token');
    writeFileSync(tokenFile, `${unsecuredJwt('cart-recovery-topics').trim()}c2lnbmVk`); // a signature part
    const run = runJob({
      ...env,
      KAFKA_SASL_OAUTHBEARER_TOKEN_FILE: tokenFile,
      KAFKA_SSL_CA_FILE: kafka.clientEnv.KAFKA_SSL_CA_FILE,
      KAFKA_TOPICS_TRIES: '1',
    });
    expect(run.out).toContain(
      'brokers not answering yet (try 1 of 1): Error while executing topic command : {"status":"invalid_token"}',
    );
    expect(run.status).toBe(1);
  }, 120_000);
});
