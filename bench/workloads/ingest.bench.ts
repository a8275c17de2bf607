// Ingest throughput (issue 4): N canonical cart events (1–8 items, unicode names, 5% invalid)
// are produced to a raw topic of a fresh prefix first; then the real ingest service (the
// process built in dist/, as production runs it) works through them, timed from its first
// acknowledged output to the moment outputs + DLQ records equal the input. In the same run
// a bare kafkajs consume→produce passthrough of the same records, measured the same way, is
// the ceiling on this broker. Ingest's RSS is sampled from /proc/<pid>/status throughout.
import { ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Admin, Kafka } from 'kafkajs';
import { harnessKafka, connectionEnv } from '../../test/support/kafka';
import { secretsEnv } from '../../test/support/secrets';
import { Client } from 'pg';
import { cartKey, TOPIC } from '@lib/contracts';
import { ensureTopics, waitForTopics } from '../../scripts/stack';
import { stackPaths } from '../../scripts/stack/paths';
import { deployedNodeOptions, freePort } from '../../test/support/services';
import { builtService, cpuSeconds, rssMb } from '../service-process';
import type { BenchContext, BenchFigure, BenchWorkload } from '../workload';

const ROOT = join(__dirname, '..', '..');
const PARTITIONS = 6;
const INVALID_SHARE = 0.05;
/**
 * Records passed through once, untimed, before either side is timed. A broker's JIT compiles
 * its fetch, produce and commit paths during the first runs it serves, and the run that came
 * first paid for it: on a fresh broker its CPU per record was 30 µs in ingest's window
 * against 5 in the passthrough's, falling to 8–10 for ingest over the next runs.
 */
const WARM_UP_RECORDS = 50_000;

/** A small deterministic PRNG, so every run offers the same records. */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const FIRST_NAMES = [
  'Ana',
  'José',
  'Zoë',
  'Łukasz',
  'Nguyễn',
  'Søren',
  'Aïcha',
  '美咲',
  'Олена',
  'محمد',
  'Chloé',
  ' Iñaki ',
];
const TITLES = [
  'Zapatillas Lola',
  'Camiseta de algodón orgánico',
  'Crème brûlée set',
  'Tasse à café ☕',
  'Regenjacke für Kinder',
  '抹茶セット',
  'Ψηφιακό ρολόι',
  'Bolso de piel — edición limitada',
  'Sneakers 👟 "Runner"',
  'Calcetines (pack de 3)',
];
/** A different shopper per event (no phone seen twice: the worst case), in the formats platforms send. */
function phoneOf(i: number): string {
  const d = String(100_000 + (i % 900_000)).padStart(6, '0');
  const formats = [
    `+34 6${d.slice(0, 2)} ${d.slice(2, 5)} ${d.slice(5)}00`,
    `6${d}11`,
    `0034 7${d}22`,
    `+1 415 55${d.slice(0, 1)} ${d.slice(2, 6)}`,
    `+52 55 ${d.slice(0, 4)} ${d.slice(2, 6)}`,
    `+44 7700 ${d}`,
    '12',
    'llámame',
  ];
  return formats[i % formats.length];
}
const CURRENCIES = [
  ['EUR', 2],
  ['USD', 2],
  ['JPY', 0],
  ['MXN', 2],
  ['KWD', 3],
] as const;

function money(rand: () => number, digits: number): string {
  const cents = Math.floor(rand() * 20_000) + 1;
  return digits === 0 ? String(cents) : (cents / 10 ** 2).toFixed(Math.min(2, digits)).replace(/0$/, '');
}

/** One raw record: a canonical event (sloppy as platforms send them), or one of the invalid kinds. */
function rawRecord(i: number, rand: () => number, now: number): { key: string | null; value: string } {
  const storeId = `store-${i % 50}`;
  const cartId = `c-${i}`;
  const [currency, digits] = CURRENCIES[i % CURRENCIES.length];
  const itemCount = 1 + Math.floor(rand() * 8);
  const items = Array.from({ length: itemCount }, (_, n) => ({
    sku: `SKU-${(i * 7 + n) % 5000}`,
    title: TITLES[(i + n) % TITLES.length],
    quantity: 1 + Math.floor(rand() * 3),
    unitPrice: money(rand, digits),
    ...(rand() < 0.5 ? { imageUrl: `https://cdn.example/img/${(i + n) % 5000}.jpg` } : {}),
  }));
  const event: Record<string, unknown> = {
    schemaVersion: 1,
    eventId: `evt-${i}`,
    type: ['cart.updated', 'cart.updated', 'checkout.started', 'cart.converted', 'cart.emptied'][i % 5],
    occurredAt: new Date(now - Math.floor(rand() * 3_600_000)).toISOString().replace('Z', '+00:00'),
    storeId,
    cartId,
    ...(rand() < 0.85
      ? {
          customer: {
            phone: phoneOf(i),
            firstName: FIRST_NAMES[i % FIRST_NAMES.length],
            locale: 'es-ES',
            whatsappOptIn: rand() < 0.8,
          },
        }
      : {}),
    items,
    currency: currency.toLowerCase(),
    total: money(rand, digits),
    recoveryUrl: `https://shop.example/${storeId}/cart/recover/${cartId}`,
    orderId: null,
  };
  const key = rand() < 0.5 ? cartKey(storeId, cartId) : null;
  if (rand() >= INVALID_SHARE) return { key, value: JSON.stringify(event) };
  switch (i % 5) {
    case 0:
      return { key, value: JSON.stringify(event).slice(0, 120) }; // cut short: not JSON
    case 1:
      return { key, value: JSON.stringify({ ...event, total: 12.5 }) };
    case 2:
      return { key, value: JSON.stringify({ ...event, cartId: 'c/ bad' }) };
    case 3:
      return { key, value: JSON.stringify({ ...event, type: 'cart.abandoned' }) };
    default:
      return { key, value: JSON.stringify({ ...event, occurredAt: new Date(now + 3_600_000).toISOString() }) };
  }
}

async function produceRecords(kafka: Kafka, topic: string, n: number, log: (m: string) => void): Promise<number> {
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  const rand = random(42);
  const now = Date.now();
  let bytes = 0;
  let next = 0;
  const started = performance.now();
  // Four sends in flight, as the Kafka reference workload does.
  await Promise.all(
    Array.from({ length: 4 }, async () => {
      while (next < n) {
        const from = next;
        next += 1000;
        const messages = [];
        for (let i = from; i < Math.min(n, from + 1000); i++) {
          const r = rawRecord(i, rand, now);
          bytes += Buffer.byteLength(r.value);
          messages.push(r);
        }
        await producer.send({ topic, acks: -1, messages });
      }
    }),
  );
  await producer.disconnect();
  log(
    `produced ${n.toLocaleString('en-US')} raw records (${(bytes / n).toFixed(0)} B average) in ${((performance.now() - started) / 1000).toFixed(1)} s`,
  );
  return bytes / n;
}

async function endsOf(admin: Admin, topics: string[]): Promise<number> {
  let sum = 0;
  for (const t of topics) for (const p of await admin.fetchTopicOffsets(t)) sum += Number(p.high);
  return sum;
}

/**
 * Polls the output topics' ends: `start` when the first output is acknowledged, `end` when
 * outputs reach `expected`. The passthrough and ingest are measured by the same clock.
 */
async function timeOutputs(
  admin: Admin,
  topics: string[],
  expected: number,
  timeoutMs: number,
  alive: () => void,
  onFirst: () => void = () => undefined,
): Promise<{ seconds: number }> {
  let start = 0;
  const until = Date.now() + timeoutMs;
  for (;;) {
    alive();
    const seen = await endsOf(admin, topics);
    const now = performance.now();
    if (seen > 0 && start === 0) {
      start = now;
      onFirst();
    }
    if (seen >= expected) return { seconds: (now - start) / 1000 };
    if (Date.now() > until) throw new Error(`only ${seen} of ${expected} outputs after ${timeoutMs / 1000} s`);
    // A poll costs the broker and this process ~2 ms of CPU on the cores being measured (25 ms
    // polls took 13% of a core here, 5% of the broker's): often before the first output and
    // near the end, where they set the clock, seldom in between.
    const remainingMs = start === 0 || seen === 0 ? 0 : ((now - start) * (expected - seen)) / seen;
    await new Promise((r) => setTimeout(r, Math.max(10, Math.min(200, remainingMs / 4))));
  }
}

/** Bare kafkajs: consume the raw topic, produce each record unchanged, commit after the ack. */
async function passthrough(kafka: Kafka, admin: Admin, from: string, to: string, n: number, log: (m: string) => void) {
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  const consumer = kafka.consumer({ groupId: `${to}-group`, maxWaitTimeInMs: 250 });
  await consumer.connect();
  await consumer.subscribe({ topic: from, fromBeginning: true });
  await consumer.run({
    autoCommit: false,
    eachBatchAutoResolve: false,
    partitionsConsumedConcurrently: 3,
    eachBatch: async ({ batch, resolveOffset }) => {
      if (!batch.messages.length) return;
      await producer.send({
        topic: to,
        acks: -1,
        messages: batch.messages.map((m) => ({ key: m.key, value: m.value, headers: m.headers })),
      });
      const last = batch.messages[batch.messages.length - 1].offset;
      resolveOffset(last);
      await consumer.commitOffsets([
        { topic: batch.topic, partition: batch.partition, offset: String(Number(last) + 1) },
      ]);
    },
  });
  try {
    // The passthrough runs in this process: its CPU over the timed window, per record.
    let cpuAtFirst = process.cpuUsage();
    let brokerAtFirst = NaN;
    const { seconds } = await timeOutputs(
      admin,
      [to],
      n,
      600_000,
      () => undefined,
      () => {
        cpuAtFirst = process.cpuUsage();
        brokerAtFirst = brokerCpuSeconds();
      },
    );
    const cpu = process.cpuUsage(cpuAtFirst);
    const cpuUsPerEvent = (cpu.user + cpu.system) / n;
    log(
      `passthrough: ${n.toLocaleString('en-US')} records in ${seconds.toFixed(2)} s, ${cpuUsPerEvent.toFixed(1)} µs of CPU per record, ${brokerUsPerRecord(brokerAtFirst, n)}`,
    );
    return { perSecond: n / seconds, cpuUsPerEvent };
  } finally {
    await consumer.disconnect();
    await producer.disconnect();
  }
}

/** CPU seconds of each thread of a process, by thread id (the first is the main thread). */
function threadCpu(pid: number): Map<string, number> {
  const byThread = new Map<string, number>();
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      const fields = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8').split(') ')[1].split(' ');
      byThread.set(tid, (Number(fields[11]) + Number(fields[12])) / 100);
    } catch {
      // the thread ended meanwhile
    }
  }
  return byThread;
}

/** µs of CPU per record of each busy thread over the timed window. */
function threadCpuPerRecord(before: Map<string, number>, after: Map<string, number>, n: number): string {
  return [...after]
    .map(([tid, cpu]) => ({ tid, us: ((cpu - (before.get(tid) ?? 0)) * 1e6) / n }))
    .filter((t) => t.us >= 0.5)
    .map((t) => `${t.tid}=${t.us.toFixed(1)}`)
    .join(' ');
}

/**
 * CPU seconds the local broker used so far, NaN when the broker is not the stack's own (its
 * pid unknown). The broker shares the two cores: what it spends per record is part of the
 * comparison.
 */
function brokerCpuSeconds(): number {
  try {
    return cpuSeconds(Number(readFileSync(stackPaths().kafka.pid, 'utf8').trim()));
  } catch {
    return NaN;
  }
}

function brokerUsPerRecord(before: number, n: number): string {
  const us = ((brokerCpuSeconds() - before) * 1e6) / n;
  return Number.isNaN(us) ? 'broker CPU unknown' : `broker ${us.toFixed(1)} µs of CPU per record`;
}

async function runIngest(
  ctx: BenchContext,
  main: string,
  admin: Admin,
  prefix: string,
  schema: string,
  n: number,
): Promise<{
  perSecond: number;
  peakRssMb: number;
  outputs: number;
  deadLetters: number;
  cpuUsPerEvent: number;
  nodeOptions?: string;
}> {
  const logs: string[] = [];
  const port = await freePort();
  // INGEST_BENCH_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" profiles the service.
  const nodeArgs = (process.env.INGEST_BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const nodeOptions = process.env.INGEST_BENCH_NODE_OPTIONS ?? deployedNodeOptions('ingest');
  const child: ChildProcess = spawn(process.execPath, [...nodeArgs, main], {
    cwd: ROOT,
    env: {
      // INGEST_* settings (e.g. INGEST_DECISION_WORKERS=0) and glibc's MALLOC_* of the bench's
      // environment reach the service.
      ...Object.fromEntries(
        Object.entries(process.env).filter(
          ([k]) => k.startsWith('MALLOC_') || (k.startsWith('INGEST_') && !k.startsWith('INGEST_BENCH')),
        ),
      ),
      PATH: process.env.PATH,
      // Its node flags as docker-compose.yml deploys it, unless the run names others.
      ...(nodeOptions ? { NODE_OPTIONS: nodeOptions } : {}),
      KAFKA_BROKERS: ctx.kafkaBrokers,
      DATABASE_URL: ctx.databaseUrl,
      ...connectionEnv(),
      ...secretsEnv(),
      DATABASE_SCHEMA: schema,
      TOPIC_PREFIX: prefix,
      INGEST_GROUP_ID: `${prefix}ingest`,
      HTTP_HOST: '127.0.0.1',
      HTTP_PORT: String(port),
      LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const keep = (chunk: Buffer) => logs.push(...chunk.toString().split('\n').filter(Boolean).slice(-50));
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  let peak = 0;
  const timeline: number[] = [];
  const sampler = setInterval(() => {
    const m = rssMb(child.pid!);
    if (m) peak = Math.max(peak, m.rss, m.peak);
    if (m) timeline.push(Math.round(m.rss));
  }, 100);
  const outputs = [`${prefix}${TOPIC.cartEvents}`, `${prefix}${TOPIC.cartEventsRaw}-dlq`];
  try {
    let cpuAtFirst = NaN;
    let threadsAtFirst = new Map<string, number>();
    let brokerAtFirst = NaN;
    const { seconds } = await timeOutputs(
      admin,
      outputs,
      n,
      900_000,
      () => {
        if (child.exitCode !== null) throw new Error(`ingest exited ${child.exitCode}: ${logs.slice(-10).join('\n')}`);
      },
      () => {
        cpuAtFirst = cpuSeconds(child.pid!);
        threadsAtFirst = threadCpu(child.pid!);
        brokerAtFirst = brokerCpuSeconds();
      },
    );
    const m = rssMb(child.pid!);
    if (m) peak = Math.max(peak, m.peak);
    const cpu = cpuSeconds(child.pid!);
    // CPU of the timed window only (start-up left out), all threads, per record.
    const cpuUsPerEvent = ((cpu - cpuAtFirst) * 1e6) / n;
    const [good, dead] = [await endsOf(admin, [outputs[0]]), await endsOf(admin, [outputs[1]])];
    ctx.log(
      `ingest: ${n.toLocaleString('en-US')} records in ${seconds.toFixed(2)} s: ${good} out, ${dead} to the DLQ, peak RSS ${peak.toFixed(0)} MB, ${cpu.toFixed(1)} s of CPU since start, ${cpuUsPerEvent.toFixed(1)} µs of CPU per record while timed, ${brokerUsPerRecord(brokerAtFirst, n)}`,
    );
    if (process.env.INGEST_BENCH_RSS_TIMELINE) {
      ctx.log(
        `CPU µs per record by thread while timed: ${threadCpuPerRecord(threadsAtFirst, threadCpu(child.pid!), n)}`,
      );
      ctx.log(`RSS every 100 ms: ${timeline.join(' ')}`);
      const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      ctx.log(
        metrics
          .split('\n')
          .filter((l) => /^(nodejs_(heap_size|external)|nodejs_heap_space_size_used)/.test(l))
          .join('\n'),
      );
    }
    return { perSecond: n / seconds, peakRssMb: peak, outputs: good, deadLetters: dead, cpuUsPerEvent, nodeOptions };
  } finally {
    clearInterval(sampler);
    child.kill('SIGTERM');
    await new Promise((r) => (child.exitCode !== null ? r(null) : child.once('exit', r)));
  }
}

export const workload: BenchWorkload = {
  name: 'ingest',
  description:
    'ingest service (process from dist/) through N raw cart events (1–8 items, unicode, 5% invalid) vs a bare kafkajs passthrough',
  needsStack: true,
  async run(ctx: BenchContext): Promise<BenchFigure[]> {
    // INGEST_BENCH_RECORDS sets another size for trials.
    const n = Number(process.env.INGEST_BENCH_RECORDS) || (ctx.quick ? 50_000 : 1_000_000);
    // Built first, so a failing build stops the run before a million records are produced.
    const main = builtService('ingest', ctx.log);
    const brokers = ctx.kafkaBrokers!;
    const prefix = `bench-ingest-${randomUUID().slice(0, 8)}.`;
    const schema = `bench_${prefix.replace(/[^a-z0-9]/g, '_')}`.slice(0, 60);
    const kafka = harnessKafka('bench-ingest', brokers);
    const admin = kafka.admin();
    await admin.connect();
    const passOut = `${prefix}passthrough-out`;
    const [warmUp, warmUpOut] = [`${prefix}warm-up`, `${prefix}warm-up-out`];
    try {
      await ensureTopics(brokers, prefix, PARTITIONS);
      await admin.createTopics({
        topics: [passOut, warmUp, warmUpOut].map((topic) => ({
          topic,
          numPartitions: PARTITIONS,
          replicationFactor: 1,
        })),
      });
      await waitForTopics(brokers, [passOut, warmUp, warmUpOut]);
      await produceRecords(kafka, warmUp, WARM_UP_RECORDS, ctx.log);
      ctx.log('warming the broker up (untimed passthrough):');
      await passthrough(kafka, admin, warmUp, warmUpOut, WARM_UP_RECORDS, ctx.log);
      const raw = `${prefix}${TOPIC.cartEventsRaw}`;
      const averageBytes = await produceRecords(kafka, raw, n, ctx.log);

      // Ingest first: the broker's page cache is then no warmer for it than for the passthrough.
      const ingest = await runIngest(ctx, main, admin, prefix, schema, n);
      const pass = await passthrough(kafka, admin, raw, passOut, n, ctx.log);
      const passthroughPerSecond = pass.perSecond;
      const note = `${n.toLocaleString('en-US')} records of ${averageBytes.toFixed(0)} B average, ${PARTITIONS} partitions, ${ingest.deadLetters} to the DLQ`;
      return [
        {
          name: 'ingest events/s',
          value: ingest.perSecond,
          unit: 'events/s',
          target: { value: 20_000, better: 'higher' },
          note,
        },
        {
          name: 'bare kafkajs passthrough events/s',
          value: passthroughPerSecond,
          unit: 'events/s',
          note: 'same records, same broker',
        },
        {
          name: 'ingest / passthrough',
          value: ingest.perSecond / passthroughPerSecond,
          unit: 'ratio',
          target: { value: 0.7, better: 'higher' },
        },
        {
          name: 'ingest peak RSS',
          value: ingest.peakRssMb,
          unit: 'MB',
          target: { value: 300, better: 'lower' },
          note: `node flags: ${ingest.nodeOptions ?? 'none'}`,
        },
        {
          name: 'ingest CPU per event',
          value: ingest.cpuUsPerEvent,
          unit: 'µs',
          note: 'all threads, timed window only (clock ticks of 10 ms)',
        },
        { name: 'passthrough CPU per event', value: pass.cpuUsPerEvent, unit: 'µs', note: 'the bench process' },
      ];
    } finally {
      const topics = (await admin.listTopics()).filter((t) => t.startsWith(prefix));
      await admin.deleteTopics({ topics }).catch(() => undefined);
      await admin.disconnect();
      const pg = new Client({ connectionString: ctx.databaseUrl });
      await pg.connect();
      await pg.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).catch(() => undefined);
      await pg.end();
    }
  },
};
