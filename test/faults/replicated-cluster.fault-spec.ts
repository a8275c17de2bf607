/**
 * The pipeline on a replicated cluster that loses brokers: three KRaft nodes (every topic
 * replication 3, min.insync.replicas 2), two instances of each service, and a steady load
 * through ingest's three doors (HTTP, cart-events-raw, signed Shopify webhooks). During the
 * load, the node that leads most partitions of cart-events and send-due is SIGKILLed; while it
 * is down a second node is stopped (a controlled shutdown), leaving one node: every partition
 * has one in-sync replica, below min.insync.replicas, so every acks=all write is refused
 * (NOT_ENOUGH_REPLICAS) until the first node is restarted on its data and back in sync; then
 * the second one is started too. The services must wait and retry through it: nothing lost,
 * nothing dead-lettered, no process down. Afterwards the promises of pipeline-promises.ts
 * are checked, as in pipeline.fault-spec.ts.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Admin, Kafka, logLevel } from 'kafkajs';
import { startLocalKafka, type LocalKafka, type LocalKafkaNode } from '../../scripts/stack';
import { APPS, Pipeline, startPipeline, TopicWatcher } from '../support/pipeline';
import { runCartLoad } from './cart-load';
import {
  account,
  brokenPromises,
  drain,
  faultStores,
  platformPublisher,
  storesWithOptOuts,
  summaryLine,
  watchedTopics,
  webhookSecretOf,
} from './pipeline-promises';
import { startPrivatePostgres, type PrivatePostgres } from './private-stack';

const CARTS_PER_SECOND = Number(process.env.FAULTS_CARTS_PER_SECOND ?? 10);
const LOAD_SECONDS = Number(process.env.FAULTS_LOAD_SECONDS ?? 150);
const INSTANCES = 2;
const OPTED_OUT_PER_STORE = 20;
const LATER_OPENS_IN_MINUTES = 3;
/** From the load's start: the leader's SIGKILL, the second node's stop, how long that one stays down. */
const KILL_AT_S = 20;
const SECOND_STOP_AFTER_KILL_S = 20;
const SECOND_DOWN_S = 25;
const MIN_INSYNC_REPLICAS = 2;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const log = (m: string) => process.stdout.write(`[replicated ${new Date().toISOString().slice(11, 19)}] ${m}\n`);

const dir = mkdtempSync(join(tmpdir(), 'faults-cluster-'));
let kafka: LocalKafka | undefined;
let postgres: PrivatePostgres | undefined;
let pipeline: Pipeline | undefined;
let watcher: TopicWatcher | undefined;
let platform: ReturnType<typeof platformPublisher> | undefined;
let admin: Admin | undefined;

afterAll(async () => {
  await watcher?.stop();
  await platform?.disconnect();
  await admin?.disconnect().catch(() => undefined);
  await pipeline?.stop().catch(() => undefined);
  await kafka?.stop().catch(() => undefined);
  await postgres?.down();
  rmSync(dir, { recursive: true, force: true });
}, 120_000);

/** The services' log lines counted by message (JSON lines; the first 120 characters of each message). */
function logMessages(lines: string[]): Record<string, number> {
  const counted: Record<string, number> = {};
  for (const line of lines) {
    let message: string;
    try {
      const entry = JSON.parse(line) as { msg?: string; message?: string; err?: { message?: string } };
      message = `${entry.msg ?? entry.message ?? ''}${entry.err?.message ? `: ${entry.err.message}` : ''}`;
    } catch {
      message = line;
    }
    const k = message.slice(0, 120);
    counted[k] = (counted[k] ?? 0) + 1;
  }
  return counted;
}

/** Partitions of these topics each node leads, by node id. */
async function leadersOf(topics: string[]): Promise<Map<number, number>> {
  const { topics: described } = await admin!.fetchTopicMetadata({ topics });
  const led = new Map<number, number>();
  for (const t of described) for (const p of t.partitions) led.set(p.leader, (led.get(p.leader) ?? 0) + 1);
  return led;
}

/** The node (of `among`) that leads most partitions of the topics. */
async function topLeader(topics: string[], among: LocalKafkaNode[]): Promise<{ node: LocalKafkaNode; led: number }> {
  const led = await leadersOf(topics);
  const [node] = [...among].sort((a, b) => (led.get(b.id) ?? 0) - (led.get(a.id) ?? 0));
  return { node, led: led.get(node.id) ?? 0 };
}

/**
 * Watches the in-sync replicas of the topics once a second: how many partitions were below
 * min.insync.replicas at most, and for how long any was. Metadata errors while nodes are away
 * are skipped.
 */
function watchIsr(topics: string[], startedAt: number) {
  const seen = {
    maxBelow: 0,
    firstBelowAtS: undefined as number | undefined,
    lastBelowAtS: undefined as number | undefined,
  };
  let stopped = false;
  const running = (async () => {
    while (!stopped) {
      try {
        const { topics: described } = await admin!.fetchTopicMetadata({ topics });
        const below = described.flatMap((t) => t.partitions).filter((p) => p.isr.length < MIN_INSYNC_REPLICAS).length;
        if (below > 0) {
          const at = Math.round((Date.now() - startedAt) / 1000);
          seen.firstBelowAtS ??= at;
          seen.lastBelowAtS = at;
          seen.maxBelow = Math.max(seen.maxBelow, below);
        }
      } catch {
        // a node away: the next round asks again
      }
      await sleep(1000);
    }
  })();
  return {
    seen,
    stop: async () => {
      stopped = true;
      await running;
    },
  };
}

/** Until every partition of the topics has all its replicas in sync again. */
async function fullyInSync(topics: string[], timeoutMs = 120_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const { topics: described } = await admin!.fetchTopicMetadata({ topics }).catch(() => ({ topics: [] }));
    const partitions = described.flatMap((t) => t.partitions);
    if (partitions.length > 0 && partitions.every((p) => p.isr.length === p.replicas.length)) return;
    if (Date.now() > until) throw new Error(`replicas not in sync ${timeoutMs} ms after the nodes came back`);
    await sleep(500);
  }
}

async function allInstancesHealthy(timeoutMs = 180_000): Promise<void> {
  await Promise.all(
    APPS.flatMap((n) =>
      Array.from({ length: INSTANCES }, (_, i) =>
        pipeline!.service(n, i).waitUntil((h) => h.status === 200, timeoutMs),
      ),
    ),
  );
}

/** The broker faults, timed from the load's start; returns what happened when (s from that start). */
async function brokerFaults(loadStartedAt: number, topics: string[]) {
  const at = () => Math.round((Date.now() - loadStartedAt) / 1000);
  const nodes = kafka!.nodes;
  await sleep(KILL_AT_S * 1000);
  const first = await topLeader(topics, nodes);
  log(`SIGKILL node ${first.node.id}: it leads ${first.led} of the ${topics.length * 6} partitions`);
  await first.node.kill();
  const killedAtS = at();

  await sleep(SECOND_STOP_AFTER_KILL_S * 1000);
  const second = await topLeader(
    topics,
    nodes.filter((n) => n !== first.node),
  );
  log(`stopping node ${second.node.id} too (it leads ${second.led} now): one node left`);
  await second.node.stop();
  const secondStoppedAtS = at();

  await sleep(SECOND_DOWN_S * 1000);
  log(`restarting node ${first.node.id} on its data`);
  await first.node.start();
  const firstBackAtS = at();
  log(`node ${first.node.id} answers; starting node ${second.node.id}`);
  await second.node.start();
  const secondBackAtS = at();
  await fullyInSync(topics);
  const inSyncAtS = at();
  log(`every replica in sync again at ${inSyncAtS} s`);
  await allInstancesHealthy();
  log(`all ${APPS.length * INSTANCES} service instances healthy at ${at()} s`);
  return {
    killedNode: first.node.id,
    killedNodeLed: first.led,
    stoppedNode: second.node.id,
    killedAtS,
    secondStoppedAtS,
    firstBackAtS,
    secondBackAtS,
    inSyncAtS,
  };
}

describe('the pipeline on a replicated cluster losing brokers', () => {
  it(
    'every eligible cart gets exactly one message through a leader crash and writes below min.insync.replicas',
    async () => {
      const started = Date.now();
      [kafka, postgres] = await Promise.all([
        startLocalKafka({ dir, nodes: 3, partitions: 6, log: (m) => log(`kafka: ${m}`) }),
        startPrivatePostgres(),
      ]);
      process.env.KAFKA_BROKERS = kafka.brokers;
      process.env.DATABASE_URL = postgres.databaseUrl;
      log(`cluster ${kafka.brokers}, PostgreSQL ${postgres.databaseUrl}`);
      admin = new Kafka({
        clientId: 'replicated-fault-test',
        brokers: kafka.brokers.split(','),
        logLevel: logLevel.NOTHING,
      }).admin();
      await admin.connect();

      pipeline = await startPipeline({
        label: 'replicated',
        log,
        kafkaBrokers: kafka.brokers,
        instances: INSTANCES,
        simulatorArgs: ['--statuses', 'sent,delivered', '--no-pair-limit'],
        env: { all: { LOG_LEVEL: 'warn' } },
      });
      const faultTopics = [pipeline.topics.cartEvents, pipeline.topics.sendDue];
      const { topics: described } = await admin.fetchTopicMetadata({ topics: faultTopics });
      const replicas = [...new Set(described.flatMap((t) => t.partitions.map((p) => p.replicas.length)))];
      expect(replicas).toEqual([3]);

      watcher = new TopicWatcher(pipeline.kafkaBrokers);
      await watcher.start(watchedTopics(pipeline));
      const setup = faultStores({ now: new Date(), laterOpensInMinutes: LATER_OPENS_IN_MINUTES, webhookSecrets: true });
      const optedOut = await storesWithOptOuts(pipeline, watcher, setup.stores, OPTED_OUT_PER_STORE, log);
      platform = platformPublisher(pipeline, kafka.brokers);

      const loadStarted = Date.now();
      const isr = watchIsr(faultTopics, loadStarted);
      const [tally, outage] = await Promise.all([
        runCartLoad(
          {
            pipeline,
            publishRaw: platform.publish,
            stores: setup.stores.map((s) => s.storeId),
            optedOut,
            cartsPerSecond: CARTS_PER_SECOND,
            seconds: LOAD_SECONDS,
            poisonEvery: 200,
            doors: ['http', 'raw', 'shopify'],
            shopifySecrets: Object.fromEntries(setup.stores.map((s) => [s.storeId, webhookSecretOf(s.storeId)])),
          },
          log,
        ),
        brokerFaults(loadStarted, faultTopics),
      ]);
      await isr.stop();
      log(`load done in ${Math.round((Date.now() - loadStarted) / 1000)} s: ${tally.carts.length} carts`);

      const messages = await drain(pipeline, tally, setup.laterOpensAt, log);
      await watcher.caughtUp(120_000);
      if (watcher.incidents.length > 0) log(`topic watcher: ${watcher.incidents.join('; ')}`);
      const counts = await account({ pipeline, watcher, databaseUrl: postgres.databaseUrl }, tally, messages, setup);

      // No instance may have died on the way (a crash would be hidden by its partner's work).
      const exited = APPS.flatMap((n) =>
        Array.from({ length: INSTANCES }, (_, i) => pipeline!.service(n, i))
          .filter((s) => s.process.exitCode !== null || s.process.signalCode !== null)
          .map((s) => `${s.name} pid ${s.process.pid}`),
      );
      // What the services logged of the refused writes (kafkajs warnings): the wait was real.
      const serviceLogs = APPS.flatMap((n) =>
        Array.from({ length: INSTANCES }, (_, i) => pipeline!.service(n, i).logs),
      ).flat();
      const notEnoughReplicas = serviceLogs.filter((l) => /NOT_ENOUGH_REPLICAS|fewer in-sync replicas/.test(l)).length;
      log(`service warnings and errors: ${JSON.stringify(logMessages(serviceLogs))}`);
      if (process.env.FAULTS_LOG_DIR) {
        mkdirSync(process.env.FAULTS_LOG_DIR, { recursive: true });
        for (const n of APPS)
          for (let i = 0; i < INSTANCES; i++)
            writeFileSync(join(process.env.FAULTS_LOG_DIR, `${n}-${i}.log`), pipeline.service(n, i).logs.join('\n'));
      }

      log(`counts:\n${JSON.stringify(counts, null, 2)}`);
      log(
        `summary ${summaryLine(counts, {
          ...outage,
          partitionsBelowMinIsr: isr.seen.maxBelow,
          belowMinIsrFromS: isr.seen.firstBelowAtS,
          belowMinIsrToS: isr.seen.lastBelowAtS,
          notEnoughReplicasLogLines: notEnoughReplicas,
          servicesExited: exited.length,
          totalS: Math.round((Date.now() - started) / 1000),
        })}`,
      );

      expect({ ...brokenPromises(counts), ...(exited.length > 0 ? { servicesExited: exited } : {}) }).toEqual({});
      // The outage did what it is for: partitions below min.insync.replicas while the load ran.
      expect(isr.seen.maxBelow).toBeGreaterThan(0);
    },
    15 * 60_000,
  );
});
