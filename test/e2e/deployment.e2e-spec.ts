/**
 * What the deployment files assume of the built services, checked against them on the local
 * stack: every metric the alert rules and the Grafana dashboard read is on a service's /metrics
 * (no dead panel, no alert that can never fire); the consumer groups and topics the chart's
 * KEDA ScaledObjects scale on are the ones the services joined; and the chart's migration Jobs
 * (their command and variables) apply each service's schema.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AssignerProtocol } from 'kafkajs';
import { Client } from 'pg';
import { ROOT, render } from '../../deploy/helm/chart-render';
import { metricsRead } from '../../deploy/prometheus/promql';
import { harnessKafka } from '../support/kafka';
import { TEST_SECRETS_ENCRYPTION_KEYS } from '../support/secrets';
import {
  APPS,
  cartEvent,
  hoursOpenNow,
  Pipeline,
  postCartEvents,
  putStore,
  startPipeline,
  storeSettings,
} from '../support/pipeline';
import type { AppName } from '../support/services';

let pipeline: Pipeline;

beforeAll(async () => {
  pipeline = await startPipeline({ label: 'deploy' });
});

afterAll(async () => {
  await pipeline?.stop();
});

/** The keyring the chart requires, as a values file (a --set would split it at its commas). */
function keyringValues(): string[] {
  const file = join(mkdtempSync(join(tmpdir(), 'chart-values-')), 'keyring.yaml');
  writeFileSync(file, `secrets:\n  values:\n    SECRETS_ENCRYPTION_KEYS: '${TEST_SECRETS_ENCRYPTION_KEYS}'\n`);
  return ['-f', file];
}

/** The metric names a /metrics body declares (its # TYPE lines), histograms with their series. */
function declared(body: string): Set<string> {
  const names = new Set<string>();
  for (const [, name, type] of body.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
    names.add(name);
    if (type === 'histogram') for (const suffix of ['_bucket', '_sum', '_count']) names.add(`${name}${suffix}`);
  }
  return names;
}

it('every metric the alerts and the dashboard read is exposed on /metrics by the service it belongs to', async () => {
  const exposed = {} as Record<AppName, Set<string>>;
  for (const app of APPS) {
    const res = await fetch(`${pipeline.url(app)}/metrics`);
    expect(res.status).toBe(200);
    exposed[app] = declared(await res.text());
  }
  const read = metricsRead();
  expect(read.size).toBeGreaterThan(20);
  for (const [name, where] of read) {
    // ingest_*, scheduler_*, sender_* on their own service; the shared ones (kafka_*, service_*) on every one.
    const owner = APPS.find((app) => name.startsWith(`${app}_`));
    const expected = owner ? [owner] : APPS;
    expect({ name, where, on: expected.filter((app) => exposed[app].has(name)) }).toEqual({
      name,
      where,
      on: expected,
    });
  }
});

it("the chart's ScaledObjects scale each service on exactly the consumer groups and topics it joined", async () => {
  const groups = {
    ingest: pipeline.groups.ingest,
    scheduler: pipeline.groups.scheduler,
    sender: pipeline.groups.sender,
    senderFacts: `${pipeline.groups.sender}-facts`,
  };
  const objects = render([
    ...keyringValues(),
    '--set',
    'kafka.brokers[0]=kafka:9092',
    '--set',
    'secrets.values.DATABASE_URL=postgres://u@db/cart',
    '--set',
    `kafka.topicPrefix=${pipeline.prefix}`,
    '--set',
    `ingest.env.INGEST_GROUP_ID=${groups.ingest}`,
    '--set',
    `scheduler.env.SCHEDULER_GROUP_ID=${groups.scheduler}`,
    '--set',
    `sender.env.SENDER_GROUP_ID=${groups.sender}`,
    '--set',
    `sender.env.SENDER_FACTS_GROUP_ID=${groups.senderFacts}`,
  ]);
  const scaledOn = new Map<string, string[]>();
  for (const so of objects.filter((o) => o.kind === 'ScaledObject')) {
    const service = so.metadata.labels!['app.kubernetes.io/component'];
    for (const t of (so.spec as { triggers: { metadata: { consumerGroup: string; topic: string } }[] }).triggers) {
      const key = `${service} ${t.metadata.consumerGroup}`;
      scaledOn.set(key, [...(scaledOn.get(key) ?? []), t.metadata.topic].sort());
    }
  }

  const admin = harnessKafka('deploy-e2e').admin();
  await admin.connect();
  try {
    const joined = new Map<string, string[]>();
    const owner: Record<string, AppName> = {
      [groups.ingest]: 'ingest',
      [groups.scheduler]: 'scheduler',
      [groups.sender]: 'sender',
      [groups.senderFacts]: 'sender',
    };
    const { groups: described } = await admin.describeGroups(Object.keys(owner));
    for (const g of described) {
      expect([g.groupId, g.state]).toEqual([g.groupId, 'Stable']);
      const topics = new Set(
        g.members.flatMap((m) => AssignerProtocol.MemberMetadata.decode(m.memberMetadata)?.topics ?? []),
      );
      joined.set(`${owner[g.groupId]} ${g.groupId}`, [...topics].sort());
    }
    expect(Object.fromEntries(scaledOn)).toEqual(Object.fromEntries(joined));
  } finally {
    await admin.disconnect();
  }
});

it("the chart's migration Jobs, run as rendered, apply each service's schema once (PostgreSQL only, no broker)", async () => {
  const run = `${Date.now()}`;
  const objects = render([
    ...keyringValues(),
    '--set',
    'kafka.brokers[0]=kafka.invalid:9092', // never reached: migrate connects to PostgreSQL only
    '--set',
    'secrets.values.DATABASE_URL=postgres://in-the-secret',
    ...APPS.flatMap((app) => ['--set', `${app}.env.DATABASE_SCHEMA=${app}_chart_${run}`]),
  ]);
  const jobs = objects.filter(
    (o) => o.kind === 'Job' && o.metadata.labels!['app.kubernetes.io/component'].endsWith('-migrate'),
  );
  expect(jobs).toHaveLength(3);
  // The Secret's files, here: each *_FILE the Job names under the Secret's mount is read from this folder.
  const MOUNT = '/etc/cart-recovery/secrets/';
  const secretsDir = mkdtempSync(join(tmpdir(), 'chart-migrate-'));
  writeFileSync(join(secretsDir, 'DATABASE_URL'), `${process.env.DATABASE_URL}\n`);
  writeFileSync(join(secretsDir, 'SECRETS_ENCRYPTION_KEYS'), `${TEST_SECRETS_ENCRYPTION_KEYS}\n`);
  const here = (env: Record<string, string>) =>
    Object.fromEntries(
      Object.entries(env).map(([k, v]) => [k, v.startsWith(MOUNT) ? join(secretsDir, v.slice(MOUNT.length)) : v]),
    );
  const pg = new Client({ connectionString: process.env.DATABASE_URL });
  await pg.connect();
  try {
    for (const job of jobs) {
      const container = (
        job.spec as {
          template: { spec: { containers: { command: string[]; env: { name: string; value: string }[] }[] } };
        }
      ).template.spec.containers[0];
      const env = Object.fromEntries(container.env.map((e) => [e.name, e.value]));
      expect(env.DATABASE_URL_FILE).toBe('/etc/cart-recovery/secrets/DATABASE_URL');
      const [command, ...args] = container.command;
      expect(command).toBe('node');
      const migrate = () =>
        spawnSync(process.execPath, args, {
          cwd: ROOT,
          env: { PATH: process.env.PATH, ...here(env) },
          encoding: 'utf8',
          timeout: 60_000,
        });
      const first = migrate();
      expect([args[0], first.status, first.stderr]).toEqual([args[0], 0, '']);
      const second = migrate();
      expect([args[0], second.status]).toEqual([args[0], 0]);
      const applied = await pg.query(`select name from "${env.DATABASE_SCHEMA}".migrations`);
      expect(applied.rows.length).toBeGreaterThan(0);
    }
  } finally {
    for (const app of APPS) await pg.query(`drop schema if exists "${app}_chart_${run}" cascade`);
    await pg.end();
  }
});

it("a message sent moves the dashboard's series: per group lag and progress, sends per number against its limit, the send-due wait", async () => {
  const storeId = 'deploy-metrics-store';
  await putStore(
    pipeline,
    storeSettings({ storeId, name: 'Lola', timezone: 'UTC', openingHours: hoursOpenNow('UTC') }),
  );
  // Abandoned 5 minutes ago (the store abandons after 1): due at once.
  await postCartEvents(pipeline, [
    cartEvent({
      storeId,
      cartId: 'c-1',
      type: 'checkout.started',
      occurredAt: new Date(Date.now() - 300_000),
      phone: '+34600111222',
    }),
  ]);
  const series = async (app: AppName) => (await (await fetch(`${pipeline.url(app)}/metrics`)).text()).split('\n');
  const sample = (lines: string[], name: string, labels: Record<string, string>) => {
    const line = lines.find(
      (l) => l.startsWith(`${name}{`) && Object.entries(labels).every(([k, v]) => l.includes(`${k}="${v}"`)),
    );
    return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
  };
  const until = Date.now() + 90_000;
  const sendDueLag = { group: pipeline.groups.sender, topic: `${pipeline.prefix}send-due` };
  let sender = await series('sender');
  // The lag is set once the batch is committed, after the message went out.
  while (
    !(
      sample(sender, 'sender_messages_total', { result: 'sent' }) &&
      sample(sender, 'kafka_consumer_lag', sendDueLag) !== undefined
    ) &&
    Date.now() < until
  ) {
    await new Promise((r) => setTimeout(r, 500));
    sender = await series('sender');
  }
  expect(sample(sender, 'sender_messages_total', { result: 'sent' })).toBe(1);
  expect(sample(sender, 'sender_number_messages_total', { phone_number_id: '106540352242922' })).toBe(1);
  expect(sample(sender, 'sender_number_throughput_limit', { phone_number_id: '106540352242922' })).toBe(80);
  expect(sample(sender, 'sender_send_due_age_seconds_count', {})).toBe(1);
  expect(sample(sender, 'kafka_consumer_lag', sendDueLag)).toBe(0);
  expect(sample(sender, 'service_ready', {})).toBe(1);
  const scheduler = await series('scheduler');
  expect(
    sample(scheduler, 'kafka_consumed_records_total', {
      group: pipeline.groups.scheduler,
      topic: `${pipeline.prefix}cart-events`,
    }),
  ).toBeGreaterThanOrEqual(1);
  expect(sample(scheduler, 'scheduler_timers_fired_total', { result: 'emitted' })).toBe(1);
  expect(sample(scheduler, 'scheduler_timers_overdue_seconds', {})).toBe(0);
});
