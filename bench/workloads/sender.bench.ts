// Sender throughput (issue 6): N send-due events across 100 stores and 50 business phone
// numbers, sent through the WhatsApp Cloud API simulator answering with 50 ms latency and
// Meta's default 80 messages/s per number. The sender runs as its own process (its built
// bundle in dist/, as in production), so its peak RSS (VmHWM) is its own.
// Figures: accepted messages per second (first to last acceptance), the most messages any one
// phone number id sent in a 1-second window (from the simulator's record), peak RSS; then the
// same run with 2 and 3 sender processes (issue 12 §4: they share each number's pace through
// number_pace, so the worst window must stay at the limit; SENDER_BENCH_INSTANCES=1,2,3).
import { ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { Kafka } from 'kafkajs';
import { Client } from 'pg';
import { allTopics, cartKey, SendDue, TOPIC } from '@lib/contracts';
import { waitForTopics } from '../../scripts/stack';
import { createTopics, uniquePrefix, harnessKafka, connectionEnv } from '../../test/support/kafka';
import { sealedSettings, secretsEnv } from '../../test/support/secrets';
import { deployedNodeOptions, freePort } from '../../test/support/services';
import { startWhatsAppSimulator } from '../../test/whatsapp-simulator';
import { builtService, cpuSeconds, rssMb } from '../service-process';
import type { BenchContext, BenchFigure, BenchWorkload } from '../workload';

const ROOT = join(__dirname, '..', '..');
const STORES = 100;
const PHONE_NUMBERS = 50;
const PER_NUMBER_LIMIT = 80;
const TOKEN = 'bench-token-0123456789';
const PARTITIONS = 6;

const phoneNumberIdOf = (store: number) => String(106540352240000 + (store % PHONE_NUMBERS));
const storeIdOf = (store: number) => `bench-store-${store}`;

function settingsOf(store: number) {
  const open = [['00:00', '24:00']];
  return {
    storeId: storeIdOf(store),
    name: `Tienda ${store}`,
    enabled: true,
    timezone: 'Europe/Madrid',
    defaultCountry: 'ES',
    locale: store % 2 ? 'es' : 'en',
    openingHours: { mon: open, tue: open, wed: open, thu: open, fri: open, sat: open, sun: open },
    minHoursBetweenMessages: 24,
    whatsapp: { phoneNumberId: phoneNumberIdOf(store), mode: 'text', accessToken: TOKEN },
  };
}

function sendDueOf(i: number, now: number): SendDue {
  const store = i % STORES;
  const cartId = `c-${i}`;
  return {
    schemaVersion: 1,
    sendId: `${storeIdOf(store)}:${cartId}:1`,
    storeId: storeIdOf(store),
    cartId,
    customer: { phone: `+346${String(10_000_000 + i).padStart(8, '0')}`, firstName: 'Ana', locale: 'es-ES' },
    items: [
      { sku: 'ZAP-42', title: 'Zapatillas Lola', quantity: 1, unitPrice: '59.90' },
      { sku: 'CAM-1', title: 'Camiseta de algodón', quantity: 2, unitPrice: '19.50' },
    ],
    currency: 'EUR',
    total: '98.90',
    recoveryUrl: `https://shop${store}.example/cart/recover/${cartId}`,
    detectedAt: new Date(now - 60_000).toISOString(),
    dueAt: new Date(now - 1000).toISOString(),
    notAfter: new Date(now + 72 * 3_600_000).toISOString(),
  };
}

async function produce(kafka: Kafka, topic: string, records: Array<{ key: string; value: string }>) {
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  try {
    for (let i = 0; i < records.length; i += 2000) {
      await producer.send({ topic, messages: records.slice(i, i + 2000) });
    }
  } finally {
    await producer.disconnect();
  }
}

async function until(check: () => Promise<boolean> | boolean, timeoutMs: number, what: string): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function measure(ctx: BenchContext, instances: number, total: number): Promise<BenchFigure[]> {
  const brokers = (ctx.kafkaBrokers ?? process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');
  const databaseUrl = ctx.databaseUrl ?? process.env.DATABASE_URL!;
  const kafka = harnessKafka('bench-sender', brokers.join(','));
  const prefix = uniquePrefix('bench-sender');
  const schema = `bench_${prefix.replace(/[^a-z0-9]/g, '_')}`.slice(0, 60);
  const names = allTopics(prefix).map((t) => t.name);
  await createTopics(kafka, names, PARTITIONS);
  await waitForTopics(brokers.join(','), names);

  const sim = await startWhatsAppSimulator({
    tokens: { '*': TOKEN },
    latencyMs: 50,
    limits: { throughputPerSecond: PER_NUMBER_LIMIT, pairRate: false },
    webhooks: { statuses: [] }, // no status webhooks: the record is what is measured
  });
  const nodeOptions = process.env.SENDER_BENCH_NODE_OPTIONS ?? deployedNodeOptions('sender');
  const children: ChildProcess[] = [];
  const logs: string[] = [];
  const spawnOne = async () => {
    const port = await freePort();
    const child = spawn(
      process.execPath,
      [
        // SENDER_BENCH_CPU_PROF=<dir>: a V8 CPU profile of the sender, to see where its time goes.
        ...(process.env.SENDER_BENCH_CPU_PROF
          ? ['--cpu-prof', `--cpu-prof-dir=${process.env.SENDER_BENCH_CPU_PROF}`]
          : []),
        builtService('sender', ctx.log),
      ],
      {
        cwd: ROOT,
        env: {
          PATH: process.env.PATH,
          // SENDER_* settings of the bench's environment reach the service (e.g. SENDER_BATCH_SLICE=500).
          ...Object.fromEntries(
            Object.entries(process.env).filter(([k]) => k.startsWith('SENDER_') && !k.startsWith('SENDER_BENCH')),
          ),
          // Its node flags as docker-compose.yml deploys it (the heap cap), unless the run names others.
          ...(nodeOptions ? { NODE_OPTIONS: nodeOptions } : {}),
          KAFKA_BROKERS: brokers.join(','),
          DATABASE_URL: databaseUrl,
          ...connectionEnv(),
          ...secretsEnv(),
          DATABASE_SCHEMA: schema,
          TOPIC_PREFIX: prefix,
          HTTP_HOST: '127.0.0.1',
          HTTP_PORT: String(port),
          LOG_LEVEL: 'warn',
          WHATSAPP_GRAPH_BASE_URL: sim.url,
          WHATSAPP_APP_SECRET: 'bench-app-secret',
          WHATSAPP_VERIFY_TOKEN: 'bench-verify-token',
          WHATSAPP_THROUGHPUT_PER_SECOND: String(PER_NUMBER_LIMIT),
          SENDER_GROUP_ID: `${prefix}sender`,
          SENDER_FACTS_GROUP_ID: `${prefix}sender-facts`,
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    const keep = (chunk: Buffer) => logs.push(...chunk.toString().split('\n').filter(Boolean).slice(-50));
    child.stdout!.on('data', keep);
    child.stderr!.on('data', keep);
    children.push(child);
  };
  try {
    for (let i = 0; i < instances; i++) await spawnOne();
    const child = children[0];
    const exited = () => children.some((c) => c.exitCode !== null);

    // Settings first, so no send-due meets an unknown store.
    await produce(
      kafka,
      `${prefix}${TOPIC.storeSettings}`,
      Array.from({ length: STORES }, (_, s) => ({
        key: storeIdOf(s),
        value: JSON.stringify(sealedSettings(settingsOf(s))),
      })),
    );
    const db = new Client({ connectionString: databaseUrl, options: `-c search_path=${schema}` });
    await until(
      async () => {
        if (exited()) throw new Error(`sender exited:\n${logs.slice(-20).join('\n')}`);
        try {
          if (!(db as unknown as { _connected?: boolean })._connected) await db.connect();
          const { rows } = await db.query('SELECT count(*)::int AS n FROM store_settings');
          return rows[0].n === STORES;
        } catch {
          return false;
        }
      },
      120_000,
      'the sender to read the store settings',
    );
    ctx.log(
      `${instances} sender(s) ready (pids ${children.map((c) => c.pid).join(', ')}); producing ${total} send-due`,
    );
    const cpuBefore = cpuSeconds(child.pid!);

    const now = Date.now();
    const produced = produce(
      kafka,
      `${prefix}${TOPIC.sendDue}`,
      Array.from({ length: total }, (_, i) => {
        const event = sendDueOf(i, now);
        return { key: cartKey(event.storeId, event.cartId), value: JSON.stringify(event) };
      }),
    );
    await produced;
    await until(
      () => {
        if (exited()) throw new Error(`sender exited:\n${logs.slice(-20).join('\n')}`);
        // A count, not stats(): stats() sorts every attempt, and polled 5 times a second it
        // took a growing share of the 2 cores the sender is measured on.
        return sim.record.messages.length >= total;
      },
      ctx.quick ? 180_000 : 1_800_000,
      'every message accepted',
    );
    const rss = Math.round(rssMb(child.pid!)!.peak * 10) / 10; // the first instance's
    const cpuPerMessage = ((cpuSeconds(child.pid!) - cpuBefore) * 1000) / total;
    const { rows } = await db.query(`SELECT state, count(*)::int AS n FROM messages GROUP BY state`);
    await db.end();

    const stats = sim.record.stats();
    const accepted = sim.record.messages;
    const first = accepted[0].acceptedAt;
    const last = accepted[accepted.length - 1].acceptedAt;
    const seconds = Math.max(0.001, (last - first) / 1000);
    const peaks = Object.values(stats.phoneNumbers);
    const peakPerNumber = Math.max(...peaks.map((p) => p.peakAttemptsPerSecond));
    const perSendId = new Map<string, number>();
    for (const m of accepted)
      perSendId.set(m.bizOpaqueCallbackData!, (perSendId.get(m.bizOpaqueCallbackData!) ?? 0) + 1);
    const twice = [...perSendId.values()].filter((n) => n > 1).length;
    const note = `${total} send-due, ${STORES} stores, ${PHONE_NUMBERS} numbers, 50 ms latency, ${PARTITIONS} partitions`;
    ctx.log(`states ${JSON.stringify(rows)}; refusals ${JSON.stringify(stats.refusedByCode)}; sent twice ${twice}`);
    if (instances > 1) {
      const with_ = `with ${instances} sender instances`;
      return [
        {
          name: `sender messages/s ${with_}`,
          value: Math.round(total / seconds),
          unit: 'msg/s',
          note: `${note}; the pace of each number shared through number_pace`,
        },
        {
          name: `most messages from one phone number id in any 1-s window ${with_}`,
          value: peakPerNumber,
          unit: 'msg',
          target: { value: PER_NUMBER_LIMIT, better: 'lower' },
          note: `limit ${PER_NUMBER_LIMIT}/s for all instances together; 130429 refusals: ${stats.refusedByCode['130429'] ?? 0}`,
        },
        {
          name: `sendIds accepted more than once ${with_}`,
          value: twice,
          unit: 'sendIds',
          target: { value: 0, better: 'lower' },
        },
      ];
    }
    return [
      {
        name: 'sender messages/s (accepted by the API)',
        value: Math.round(total / seconds),
        unit: 'msg/s',
        target: { value: 2000, better: 'higher' },
        note,
      },
      {
        name: 'most messages from one phone number id in any 1-s window',
        value: peakPerNumber,
        unit: 'msg',
        target: { value: PER_NUMBER_LIMIT, better: 'lower' },
        note: `limit ${PER_NUMBER_LIMIT}/s; 130429 refusals: ${stats.refusedByCode['130429'] ?? 0}`,
      },
      {
        name: 'sender peak RSS',
        value: rss,
        unit: 'MB',
        target: { value: 300, better: 'lower' },
        note: `VmHWM of the sender process; node flags: ${nodeOptions ?? 'none'}`,
      },
      {
        name: 'sender CPU per message',
        value: Math.round(cpuPerMessage * 1000) / 1000,
        unit: 'ms',
        note: 'user + system time of the sender process / messages: what 2 cores allow, whatever else runs',
      },
      { name: 'sendIds accepted more than once', value: twice, unit: 'sendIds', target: { value: 0, better: 'lower' } },
    ];
  } finally {
    await Promise.all(
      children.map(async (child) => {
        if (child.exitCode !== null) return;
        child.kill('SIGTERM');
        await Promise.race([once(child, 'exit'), new Promise((r) => setTimeout(r, 20_000))]);
        if (child.exitCode === null) child.kill('SIGKILL');
      }),
    );
    await sim.close();
  }
}

async function run(ctx: BenchContext): Promise<BenchFigure[]> {
  // SENDER_BENCH_SEND_DUES=<n> sets the count, for quicker comparisons.
  const total = Number(process.env.SENDER_BENCH_SEND_DUES ?? 0) || (ctx.quick ? 5_000 : 200_000);
  // SENDER_BENCH_INSTANCES=1,2,3: the sender process counts to run, one after the other.
  const counts = (process.env.SENDER_BENCH_INSTANCES ?? '1,2,3')
    .split(',')
    .map(Number)
    .filter((n) => n >= 1);
  const figures: BenchFigure[] = [];
  for (const instances of counts) figures.push(...(await measure(ctx, instances, total)));
  return figures;
}

export const workload: BenchWorkload = {
  name: 'sender',
  description: 'send-due → decide → intent → WhatsApp Cloud API simulator (50 ms) → outcome, 100 stores, 50 numbers',
  needsStack: true,
  run,
};
