/**
 * The pipeline secured end to end (issue 12 §5): a Kafka broker of this file's own with a
 * SASL_SSL listener (SCRAM-SHA-512, OAUTHBEARER with the broker's unsecured-JWT validator) and
 * a PostgreSQL of its own that accepts TLS only (`ssl = on`, `hostssl`-only pg_hba, SCRAM
 * passwords), certificates made by the test. The three services reach both as production
 * would (SASL_SSL with the password in a file, PostgreSQL `verify-full`) and run the pipeline's
 * e2e scenario. Beside them, services with a wrong Kafka password, a wrong CA for Kafka or for
 * PostgreSQL, and one over OAUTHBEARER, on topics of their own. Every service's output is kept
 * and searched for the secrets at the end. The test's own Kafka clients (topics, the scenario's
 * reader and platform producer) use the broker's PLAINTEXT listener.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { prefixedTopic, TOPIC } from '@lib/contracts';
import { ensureTopics, startLocalKafka, unsecuredJwt, type LocalKafka } from '../../scripts/stack';
import { PLAINTEXT } from '../../scripts/stack/kafka/cluster';
import { makeCa, privateKeyLines, type TestCa } from '../support/certificates';
import { connectionEnv, eventually } from '../support/kafka';
import { APPS, cartEvent, startPipeline, TopicWatcher, type Pipeline } from '../support/pipeline';
import { pipelineScenario } from '../support/pipeline-scenario';
import { startService, type AppName, type RunningService } from '../support/services';
import { startTlsPostgres, type TlsPostgres } from '../support/tls-postgres';

type Health = Awaited<ReturnType<RunningService['health']>>;

/** The services beside the pipeline, each on topics, groups and a schema of its own. */
const SIDE = {
  'wrong-password-ingest': 'ingest',
  'wrong-password-scheduler': 'scheduler',
  'wrong-password-sender': 'sender',
  'wrong-kafka-ca': 'ingest',
  'wrong-postgres-ca': 'ingest',
  oauthbearer: 'ingest',
} as const satisfies Record<string, AppName>;
type SideName = keyof typeof SIDE;

const savedEnv = { ...process.env };
const dir = mkdtempSync(path.join(tmpdir(), 'secured-e2e-'));
const id = randomUUID().slice(0, 8);
const sidePrefix = `p-secured-side-${id}.`;
const sideApiKey = `key-${randomUUID()}`;
const wrongPassword = `wrong-${randomUUID()}`;
const jwt = unsecuredJwt('cart-recovery-secured-e2e');

let kafka: LocalKafka;
let postgres: TlsPostgres;
let postgresCa: TestCa;
let strangerCa: TestCa;
let pipeline: Pipeline;
const side = {} as Record<SideName, RunningService>;

/** Every service this file started, with the output it wrote. */
function everyService(): Array<{ label: string; service: RunningService }> {
  return [
    ...APPS.map((name) => ({ label: `pipeline ${name}`, service: pipeline.service(name) })),
    ...Object.entries(side).map(([label, service]) => ({ label, service })),
  ];
}

/** A health answer once `check` holds (or the last one after `timeoutMs`); fails if the service exited. */
async function healthWhen(service: RunningService, check: (h: Health) => boolean, timeoutMs = 60_000) {
  const health = await eventually(
    () => service.health().catch((e: Error): Health => ({ status: 0, body: { status: e.message, checks: {} } })),
    (h) => check(h) || service.process.exitCode !== null,
    timeoutMs,
  );
  expect(service.process.exitCode).toBeNull();
  return health;
}

type Checks = Record<string, { status: string; error?: string }>;
const checksOf = (h: Health) => h.body.checks as Checks;

async function stopGracefully(service: RunningService) {
  const timer = setTimeout(() => service.process.kill('SIGKILL'), 30_000);
  try {
    return await service.stop('SIGTERM');
  } finally {
    clearTimeout(timer);
  }
}

beforeAll(async () => {
  const quiet = () => undefined;
  const [started] = await Promise.all([
    startLocalKafka({ dir: path.join(dir, 'kafka'), nodes: 1, secure: true, log: quiet }),
    (async () => {
      postgresCa = await makeCa(path.join(dir, 'ca'), 'postgres-ca');
      strangerCa = await makeCa(path.join(dir, 'ca'), 'stranger-ca');
      postgres = await startTlsPostgres(dir, postgresCa);
    })(),
  ]);
  kafka = started;
  const material = kafka.material!;
  const passwordFile = path.join(dir, 'kafka-password');
  writeFileSync(passwordFile, `${material.password}\n`, { mode: 0o600 });
  const tokenFile = path.join(dir, 'kafka-token.jwt');
  writeFileSync(tokenFile, jwt, { mode: 0o600 });

  const scram = {
    KAFKA_BROKERS: kafka.secureBrokers!,
    KAFKA_SECURITY_PROTOCOL: 'SASL_SSL',
    KAFKA_SSL_CA_FILE: material.caFile,
    KAFKA_SASL_MECHANISM: 'SCRAM-SHA-512',
    KAFKA_SASL_USERNAME: material.username,
  };
  const verifyFull = {
    DATABASE_URL: postgres.url,
    DATABASE_SSL_MODE: 'verify-full',
    DATABASE_SSL_CA_FILE: postgresCa.certFile,
  };

  // The harness (topics, the scenario's reader and producer) on the PLAINTEXT listener; the
  // services get the secured settings below. The harness and startService take the connection
  // variables of this process (a run against a secured shared cluster sets them): none here.
  for (const name of Object.keys(connectionEnv())) delete process.env[name];
  process.env.KAFKA_BROKERS = kafka.brokers;
  process.env.DATABASE_URL = postgres.url;
  await ensureTopics(kafka.brokers, sidePrefix, 1, { security: PLAINTEXT });

  const sideEnv = (label: SideName, overrides: Record<string, string>): Record<string, string> => {
    const slug = label.replace(/-/g, '_');
    return {
      ...scram,
      KAFKA_SASL_PASSWORD_FILE: passwordFile,
      ...verifyFull,
      TOPIC_PREFIX: sidePrefix,
      DATABASE_SCHEMA: `${SIDE[label]}_${slug}_${id}`,
      DATABASE_POOL_SIZE: '2',
      INGEST_GROUP_ID: `${sidePrefix}${label}`,
      SCHEDULER_GROUP_ID: `${sidePrefix}${label}`,
      SENDER_GROUP_ID: `${sidePrefix}${label}`,
      SENDER_FACTS_GROUP_ID: `${sidePrefix}${label}-facts`,
      // Nothing listens there: a sender of these never reaches a real Graph API.
      WHATSAPP_GRAPH_BASE_URL: 'http://127.0.0.1:9',
      API_KEYS: sideApiKey,
      // The most the services ever write, for the search for secrets.
      LOG_LEVEL: 'debug',
      ...overrides,
    };
  };
  /** The wrong password given inline (not as a file): the variable a careless log would show. */
  const wrongLogin = (label: SideName) => {
    const { KAFKA_SASL_PASSWORD_FILE: _file, ...env } = sideEnv(label, {});
    return { ...env, KAFKA_SASL_PASSWORD: wrongPassword };
  };
  const oauthbearer = () => {
    const { KAFKA_SASL_USERNAME: _user, KAFKA_SASL_PASSWORD_FILE: _file, ...env } = sideEnv('oauthbearer', {});
    return { ...env, KAFKA_SASL_MECHANISM: 'OAUTHBEARER', KAFKA_SASL_OAUTHBEARER_TOKEN_FILE: tokenFile };
  };
  const sideEnvs: Record<SideName, Record<string, string>> = {
    'wrong-password-ingest': wrongLogin('wrong-password-ingest'),
    'wrong-password-scheduler': wrongLogin('wrong-password-scheduler'),
    'wrong-password-sender': wrongLogin('wrong-password-sender'),
    'wrong-kafka-ca': sideEnv('wrong-kafka-ca', { KAFKA_SSL_CA_FILE: strangerCa.certFile }),
    'wrong-postgres-ca': sideEnv('wrong-postgres-ca', { DATABASE_SSL_CA_FILE: strangerCa.certFile }),
    oauthbearer: oauthbearer(),
  };

  // The side services start while the pipeline does; each test waits for its own state.
  const sideStarted = Promise.all(
    (Object.keys(SIDE) as SideName[]).map(async (label) => {
      side[label] = await startService(SIDE[label], sideEnvs[label]);
    }),
  );
  pipeline = await startPipeline({
    label: 'secured',
    env: { all: { ...scram, KAFKA_SASL_PASSWORD_FILE: passwordFile, ...verifyFull } },
  });
  await sideStarted;
}, 180_000);

afterAll(async () => {
  await Promise.all(Object.values(side).map((s) => stopGracefully(s).catch(() => undefined)));
  await pipeline?.stop().catch(() => undefined);
  await kafka?.stop().catch(() => undefined);
  await postgres?.stop().catch(() => undefined);
  process.env = savedEnv;
  rmSync(dir, { recursive: true, force: true });
}, 120_000);

describe('PostgreSQL of the test: TLS only', () => {
  const connect = (ssl: false | { ca: string }) =>
    new Client({
      host: postgres.host,
      port: postgres.port,
      user: postgres.user,
      password: postgres.password,
      database: 'postgres',
      ssl: ssl && { ...ssl, rejectUnauthorized: true },
    });

  it('refuses a plaintext connection (pg_hba.conf: hostssl only)', async () => {
    const plain = connect(false);
    await expect(plain.connect()).rejects.toThrow(/pg_hba\.conf rejects connection .*no encryption/);
    await plain.end().catch(() => undefined);
  });

  it('serves the services over TLS only: every client connection is encrypted', async () => {
    // A readiness check queries through each service's pool, so each has a connection open now.
    for (const name of APPS) expect((await pipeline.service(name).health()).status).toBe(200);
    const client = connect({ ca: readFileSync(postgresCa.certFile, 'utf8') });
    await client.connect();
    try {
      const { rows } = await client.query<{ application_name: string; ssl: boolean }>(
        `SELECT a.application_name, s.ssl FROM pg_stat_activity a JOIN pg_stat_ssl s USING (pid)
          WHERE a.backend_type = 'client backend' AND a.pid <> pg_backend_pid()`,
      );
      // Each service's pools (the scheduler's LISTEN connection is `scheduler-listen`).
      const names = new Set(rows.map((r) => r.application_name.replace(/-.*/, '')));
      expect(names).toEqual(new Set(APPS));
      expect(rows.filter((r) => !r.ssl)).toEqual([]);
    } finally {
      await client.end();
    }
  });
});

pipelineScenario(() => pipeline, 'the pipeline scenario over SASL_SSL (SCRAM-SHA-512) and PostgreSQL verify-full');

describe('a refused connection shows on readiness, and the service keeps trying', () => {
  it.each(['wrong-password-ingest', 'wrong-password-scheduler', 'wrong-password-sender'] as const)(
    '%s: 503 naming kafka: authentication failed, /health/live 200, still running and trying again',
    async (label) => {
      const service = side[label];
      const health = await healthWhen(
        service,
        (h) => h.status === 503 && checksOf(h).kafka?.error === 'authentication failed',
      );
      expect(health.status).toBe(503);
      expect(checksOf(health).kafka).toMatchObject({ status: 'down', error: 'authentication failed' });
      expect(checksOf(health).postgres).toMatchObject({ status: 'up' });
      expect((await fetch(`${service.url}/health/live`)).status).toBe(200);
      // Refused since the file's start (the scenario ran meanwhile): tried again, never gave up.
      expect(service.logs.filter((l) => /authentication failed.*trying again/.test(l)).length).toBeGreaterThanOrEqual(
        2,
      );
      expect(service.process.exitCode).toBeNull();
    },
  );

  it('a CA that did not sign the broker: 503 naming kafka: TLS: <why>', async () => {
    const service = side['wrong-kafka-ca'];
    const health = await healthWhen(service, (h) => h.status === 503 && /^TLS: /.test(checksOf(h).kafka?.error ?? ''));
    expect(health.status).toBe(503);
    expect(checksOf(health).kafka.status).toBe('down');
    expect(checksOf(health).kafka.error).toMatch(/^TLS: .*certificate/);
    expect(checksOf(health).postgres).toMatchObject({ status: 'up' });
    expect((await fetch(`${service.url}/health/live`)).status).toBe(200);
    expect(service.process.exitCode).toBeNull();
  });

  it('a CA that did not sign the PostgreSQL server: 503 naming postgres: <why>', async () => {
    const service = side['wrong-postgres-ca'];
    const health = await healthWhen(
      service,
      (h) => h.status === 503 && /certificate/.test(checksOf(h).postgres?.error ?? ''),
    );
    expect(health.status).toBe(503);
    expect(checksOf(health).postgres.status).toBe('down');
    expect(checksOf(health).postgres.error).toMatch(/certificate/);
    expect(checksOf(health).kafka).toMatchObject({ status: 'up' });
    expect((await fetch(`${service.url}/health/live`)).status).toBe(200);
    expect(service.logs.some((l) => /postgres: .*certificate.*trying again/.test(l))).toBe(true);
    expect(service.process.exitCode).toBeNull();
  });
});

describe('OAUTHBEARER against the broker’s unsecured-JWT validator', () => {
  it('ingest with a token file gets ready and publishes an event it takes over HTTP', async () => {
    const service = side.oauthbearer;
    const health = await healthWhen(service, (h) => h.status === 200);
    expect(health.status).toBe(200);
    const topic = prefixedTopic(sidePrefix, TOPIC.cartEvents);
    const watcher = new TopicWatcher(kafka.brokers);
    await watcher.start([topic]);
    try {
      const event = cartEvent({ storeId: 'oauth-store', cartId: 'o1', phone: '+34600000777', occurredAt: new Date() });
      const res = await fetch(`${service.url}/v1/cart-events`, {
        method: 'POST',
        headers: { authorization: `Bearer ${sideApiKey}`, 'content-type': 'application/json' },
        body: JSON.stringify([event]),
        signal: AbortSignal.timeout(30_000),
      });
      expect(res.status).toBe(200);
      const records = await eventually(
        async () => watcher.of(topic),
        (r) => r.some((x) => x.value?.eventId === event.eventId),
        30_000,
      );
      expect(records.map((r) => r.value?.eventId)).toContain(event.eventId);
    } finally {
      await watcher.stop();
    }
  });
});

describe('no secret in the logs', () => {
  it('no service wrote a password, the token, an API key or a private key, through every case and the stop', async () => {
    const services = everyService();
    // Stopped first, so what a stop writes is searched too.
    const exits = await Promise.all(services.map(({ service }) => stopGracefully(service)));
    expect(exits).toEqual(services.map(() => ({ code: 0, signal: null })));

    const material = kafka.material!;
    const secrets: Array<[string, string]> = [
      ['the SCRAM password', material.password],
      ['the wrong Kafka password', wrongPassword],
      ['the OAUTHBEARER token', jwt],
      ['the OAUTHBEARER token claims', jwt.split('.')[1]],
      ['the PostgreSQL password', postgres.password],
      ['the pipeline API key', pipeline.apiKey],
      ['the side API key', sideApiKey],
    ];
    const keyFiles = [
      ...readdirSync(material.dir)
        .filter((f) => /key.*\.pem$/.test(f))
        .map((f) => path.join(material.dir, f)),
      postgres.certificate.keyFile,
      postgresCa.keyFile,
      strangerCa.keyFile,
    ];
    for (const file of keyFiles) {
      const lines = privateKeyLines(file);
      expect(lines.length).toBeGreaterThan(0);
      lines.forEach((line, i) => secrets.push([`${path.basename(file)} line ${i + 1}`, line]));
    }

    const found: string[] = [];
    for (const { label, service } of services) {
      const output = service.logs.join('\n');
      expect(output.length).toBeGreaterThan(0);
      for (const [what, secret] of secrets) if (output.includes(secret)) found.push(`${label}: ${what}`);
    }
    expect(found).toEqual([]);
    // The search covered what the failures wrote (kafkajs' own lines included: a TLS failure
    // is retried inside kafkajs for a while before the service logs its own line).
    expect(side['wrong-password-ingest'].logs.join('\n')).toMatch(/kafka: authentication failed; trying again/);
    expect(side['wrong-kafka-ca'].logs.join('\n')).toMatch(/self-signed certificate in certificate chain/);
    expect(side['wrong-postgres-ca'].logs.join('\n')).toMatch(/postgres: unable to verify the first certificate/);
  });
});
