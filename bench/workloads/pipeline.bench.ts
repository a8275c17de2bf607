// End to end: cart events in at a steady rate on cart-events-raw → messages out at the WhatsApp
// simulator, with the three services as processes. Reports the sustained rate, due-to-delivered
// latency (the cart's planned send time to the simulator's `delivered` status) and each
// process's peak RSS, and every rate as a share of raw kafkajs on the same broker.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { harnessKafka } from '../../test/support/kafka';
import { cartKey } from '@lib/contracts';
import {
  APPS,
  cartEvent,
  hoursOpenNow,
  putStore,
  startPipeline,
  storeSettings,
  TopicWatcher,
} from '../../test/support/pipeline';
import { startLocalKafka } from '../../scripts/stack';
import { stackPaths } from '../../scripts/stack/paths';
import { readPidFile } from '../../scripts/stack/processes';
import type { BenchContext, BenchFigure, BenchWorkload } from '../workload';
import { kafkaReferenceOfThisRun, measureKafkaReference } from './kafka-reference.bench';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Peak resident set (VmHWM) of a Linux process, in MB; undefined elsewhere. */
function peakRssMb(pid: number | undefined): number | undefined {
  if (!pid) return undefined;
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = /VmHWM:\s+(\d+) kB/.exec(status)?.[1];
    return kb ? Number(kb) / 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** Means from the sender's Prometheus metrics: where its time goes per batch and per message. */
async function senderTimes(url: string, sendDueTopic: string) {
  const text = await (await fetch(`${url}/metrics`, { signal: AbortSignal.timeout(10_000) })).text().catch(() => '');
  const value = (metric: string, topic?: string) => {
    const line = text
      .split('\n')
      .find((l) => l.startsWith(metric) && (topic === undefined || l.includes(`topic="${topic}"`)));
    return line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : 0;
  };
  const batches = value('kafka_batch_handler_seconds_count', sendDueTopic);
  const records = value('kafka_batch_size_sum', sendDueTopic);
  const deliveries = value('sender_delivery_seconds_count');
  return {
    batches,
    batchMs: batches ? (1000 * value('kafka_batch_handler_seconds_sum', sendDueTopic)) / batches : 0,
    batchSize: batches ? records / batches : 0,
    deliveryMs: deliveries ? (1000 * value('sender_delivery_seconds_sum')) / deliveries : 0,
  };
}

function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

/** One run of the workload on a Kafka cluster (the stack's broker unless given). */
async function measure(
  ctx: BenchContext,
  kafkaBrokers?: string,
): Promise<{ figures: BenchFigure[]; outRate: number; drainSeconds: number }> {
  const rate = ctx.quick ? 100 : 500; // carts (events) per second offered
  const seconds = ctx.quick ? 30 : 120;
  const storeCount = 20; // one business number each: 20 × 80 msg/s of WhatsApp capacity
  const reference = kafkaReferenceOfThisRun() ?? (await measureKafkaReference(ctx.kafkaBrokers!, 50_000, ctx.log));

  const pipeline = await startPipeline({
    label: 'bench',
    kafkaBrokers,
    log: ctx.log,
    simulatorArgs: ['--no-pair-limit', '--statuses', 'delivered', '--delivered-delay-ms', '0', '--latency-ms', '20'],
    env: { all: { LOG_LEVEL: 'warn' } },
  });
  try {
    const now = new Date();
    const stores = Array.from({ length: storeCount }, (_, s) =>
      storeSettings({
        storeId: `bench-${s}`,
        name: `Tienda ${s}`,
        timezone: 'Europe/Madrid',
        openingHours: hoursOpenNow('Europe/Madrid', now, 60, 240),
        minHoursBetweenMessages: 0,
        whatsapp: {
          phoneNumberId: `1065403522${String(s).padStart(5, '0')}`,
          accessToken: 'pipeline-access-token-0001',
          mode: 'text',
        },
      }),
    );
    for (const s of stores) await putStore(pipeline, s);
    await sleep(3000);
    // Where the time goes: each stage's output record carries its producer's timestamp.
    const watcher = new TopicWatcher(pipeline.kafkaBrokers);
    await watcher.start([pipeline.topics.cartEvents, pipeline.topics.sendDue]);

    const kafka = harnessKafka('bench-platform', pipeline.kafkaBrokers);
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    // Last activity exactly abandonAfterMinutes ago: each cart is due the moment it is published.
    const dueAtOf = new Map<string, number>();
    const total = rate * seconds;
    const tickMs = 100;
    const perTick = Math.max(1, Math.round((rate * tickMs) / 1000));
    const started = Date.now();
    let sent = 0;
    for (let tick = 0; sent < total; tick++) {
      const messages = [];
      const publishAt = Date.now();
      for (let k = 0; k < perTick && sent < total; k++, sent++) {
        const phone = `+3461${String(sent).padStart(7, '0')}`;
        const storeId = stores[sent % storeCount].storeId;
        dueAtOf.set(phone.slice(1), publishAt);
        const event = cartEvent({
          storeId,
          cartId: `b${sent}`,
          phone,
          firstName: 'Ana',
          occurredAt: new Date(publishAt - 60_000),
        });
        messages.push({ key: cartKey(storeId, `b${sent}`), value: JSON.stringify(event) });
      }
      await producer.send({ topic: pipeline.topics.cartEventsRaw, acks: -1, messages });
      await sleep(Math.max(0, started + (tick + 1) * tickMs - Date.now()));
    }
    const publishSeconds = (Date.now() - started) / 1000;
    await producer.disconnect();
    ctx.log(`published ${total} cart events in ${publishSeconds.toFixed(1)} s`);

    // Wait for the messages (or give up after a while: the figure then shows the shortfall).
    const until = Date.now() + 180_000;
    let accepted = 0;
    while (Date.now() < until) {
      accepted = Number((await pipeline.simulator.stats()).accepted ?? 0);
      if (accepted >= total) break;
      await sleep(1000);
    }
    const sender = await senderTimes(pipeline.url('sender'), pipeline.topics.sendDue);
    const pids = pipeline.pids();
    const rss = Object.fromEntries(
      (['ingest', 'scheduler', 'sender', 'simulator'] as const).map((n) => [n, peakRssMb(pids[n])]),
    );
    const messages = await pipeline.simulator.messages();
    const latencies: number[] = [];
    const deliveredTimes: number[] = [];
    let lastDelivered = 0;
    for (const m of messages) {
      const due = dueAtOf.get(m.to.replace(/\D/g, ''));
      const delivered = m.statuses.find((s) => s.status === 'delivered')?.at ?? m.acceptedAt;
      lastDelivered = Math.max(lastDelivered, delivered);
      deliveredTimes.push(delivered);
      if (due !== undefined) latencies.push(delivered - due);
    }
    latencies.sort((a, b) => a - b);
    const stage = (topic: string) => {
      const lags: number[] = [];
      for (const r of watcher.of(topic)) {
        const cartId = String(r.value?.cartId ?? '');
        const due = dueAtOf.get(`3461${cartId.slice(1).padStart(7, '0')}`);
        if (due !== undefined) lags.push(r.timestamp - due);
      }
      return lags.sort((a, b) => a - b);
    };
    const toCartEvents = stage(pipeline.topics.cartEvents);
    const toSendDue = stage(pipeline.topics.sendDue);
    await watcher.stop();
    // Sustained: the central 80% of deliveries over the time they took, so neither the ramp-up
    // nor a straggler retried late decides the figure.
    deliveredTimes.sort((a, b) => a - b);
    const t10 = percentile(deliveredTimes, 10);
    const t90 = percentile(deliveredTimes, 90);
    const outRate = (0.8 * deliveredTimes.length) / Math.max((t90 - t10) / 1000, 0.001);
    const drainSeconds = (lastDelivered - started) / 1000;
    const inRate = total / publishSeconds;
    const note = `${total.toLocaleString('en-US')} carts at ${rate}/s over ${storeCount} stores; simulator +20 ms`;
    ctx.log(`messages ${messages.length}/${total}; peak RSS ${JSON.stringify(rss)}`);
    const figures: BenchFigure[] = [
      { name: 'cart events in (offered, steady)', value: inRate, unit: 'events/s', note },
      { name: 'messages out, sustained (central 80% of deliveries)', value: outRate, unit: 'messages/s' },
      { name: 'first event published → last message delivered', value: drainSeconds, unit: 's' },
      {
        name: 'messages delivered of carts sent',
        value: (100 * messages.length) / total,
        unit: '%',
        target: { value: 100, better: 'higher' },
      },
      { name: 'due-to-delivered p50', value: percentile(latencies, 50), unit: 'ms' },
      { name: 'due-to-delivered p99', value: percentile(latencies, 99), unit: 'ms' },
      { name: 'published → on cart-events (ingest) p50', value: percentile(toCartEvents, 50), unit: 'ms' },
      { name: 'published → on cart-events (ingest) p99', value: percentile(toCartEvents, 99), unit: 'ms' },
      { name: 'published → on send-due (scheduler) p50', value: percentile(toSendDue, 50), unit: 'ms' },
      { name: 'published → on send-due (scheduler) p99', value: percentile(toSendDue, 99), unit: 'ms' },
      {
        name: 'messages out/s as share of kafkajs produce',
        value: (100 * outRate) / reference.producePerSecond,
        unit: '%',
        note: `kafkajs ${Math.round(reference.producePerSecond)} records/s`,
      },
      {
        name: 'messages out/s as share of kafkajs consume',
        value: (100 * outRate) / reference.consumePerSecond,
        unit: '%',
        note: `kafkajs ${Math.round(reference.consumePerSecond)} records/s`,
      },
    ];
    // The stack's broker, when it is the one of .stack (not an outside KAFKA_BROKERS).
    const broker = kafkaBrokers ? undefined : peakRssMb(readPidFile(stackPaths().kafka.pid));
    if (broker !== undefined)
      figures.push({ name: 'Kafka broker peak RSS (JVM, since its start)', value: broker, unit: 'MB' });
    if (sender.batches > 0)
      figures.push(
        {
          name: 'sender send-due batch, mean handling time',
          value: sender.batchMs,
          unit: 'ms',
          note: `${sender.batches} batches, mean ${sender.batchSize.toFixed(1)} records`,
        },
        { name: 'sender delivery of one message, mean', value: sender.deliveryMs, unit: 'ms' },
      );
    for (const name of [...APPS, 'simulator'] as const) {
      const mb = rss[name];
      if (mb !== undefined) figures.push({ name: `${name} peak RSS`, value: mb, unit: 'MB' });
    }
    return { figures, outRate, drainSeconds };
  } finally {
    await pipeline.stop();
  }
}

/** The figures of the cluster run worth putting beside the one-broker ones. */
const CLUSTER_FIGURES = [
  'messages out, sustained (central 80% of deliveries)',
  'first event published → last message delivered',
  'messages delivered of carts sent',
  'due-to-delivered p50',
  'due-to-delivered p99',
  'published → on cart-events (ingest) p50',
  'published → on cart-events (ingest) p99',
  'published → on send-due (scheduler) p50',
  'published → on send-due (scheduler) p99',
];

export const workload: BenchWorkload = {
  name: 'pipeline',
  description:
    'end to end: cart events at a steady rate → WhatsApp messages at the simulator (3 services as processes), on one broker and on a 3-node cluster (replication 3, min.insync.replicas 2) in the same run',
  needsStack: true,
  async run(ctx: BenchContext): Promise<BenchFigure[]> {
    const single = await measure(ctx);
    if (process.env.PIPELINE_BENCH_CLUSTER === '0') return single.figures;

    // The same workload on a 3-node KRaft cluster of its own (same jars, free ports); the
    // stack's broker stays up, idle.
    const dir = mkdtempSync(join(tmpdir(), 'bench-cluster-'));
    const cluster = await startLocalKafka({ dir, nodes: 3, log: ctx.log });
    try {
      ctx.log(`3-node cluster up in ${(cluster.startMs / 1000).toFixed(1)} s: ${cluster.brokers}`);
      const replicated = await measure(ctx, cluster.brokers);
      const note = 'replication 3, min.insync.replicas 2, acks=all; the same 2 cores';
      return [
        ...single.figures,
        ...replicated.figures
          .filter((f) => CLUSTER_FIGURES.includes(f.name))
          .map((f) => ({ ...f, name: `3-node cluster: ${f.name}`, target: undefined })),
        {
          name: 'messages out/s, 3-node cluster ÷ one broker',
          value: replicated.outRate / single.outRate,
          unit: '×',
          note,
        },
        {
          name: 'first published → last delivered, 3-node cluster ÷ one broker',
          value: replicated.drainSeconds / single.drainSeconds,
          unit: '×',
          note,
        },
      ];
    } finally {
      await cluster.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  },
};
