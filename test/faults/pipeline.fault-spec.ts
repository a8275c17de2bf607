/**
 * The pipeline under faults: a steady load of a few thousand carts while, in turn, each
 * service is killed (SIGKILL) and restarted, the Kafka broker is stopped and started,
 * PostgreSQL is restarted, and the WhatsApp simulator answers errors and then stalls.
 * Afterwards the promises of pipeline-promises.ts are checked: every eligible cart got exactly
 * one message, none outside opening hours, none to bought, unconsented or opted-out carts,
 * every input record came out (on cart-events, or in the DLQ when poison) and nothing else was
 * dead-lettered, with the sender's documented crash window counted apart.
 */
import { APPS, Pipeline, startPipeline, TopicWatcher } from '../support/pipeline';
import { AppName } from '../support/services';
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
} from './pipeline-promises';
import { PrivateStack, startPrivateStack } from './private-stack';

const CARTS_PER_SECOND = Number(process.env.FAULTS_CARTS_PER_SECOND ?? 20);
const LOAD_SECONDS = Number(process.env.FAULTS_LOAD_SECONDS ?? 180);
const OPTED_OUT_PER_STORE = 30;
const LATER_OPENS_IN_MINUTES = 3;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const log = (m: string) => process.stdout.write(`[faults ${new Date().toISOString().slice(11, 19)}] ${m}\n`);

let stack: PrivateStack;
let pipeline: Pipeline;
let watcher: TopicWatcher;
let platform: ReturnType<typeof platformPublisher> | undefined;
/** When each service was SIGKILLed (epoch ms). */
const killedAt = new Map<AppName, number>();

afterAll(async () => {
  await watcher?.stop();
  await platform?.disconnect();
  await pipeline?.stop().catch(() => undefined);
  await stack?.down();
}, 120_000);

async function allHealthy(timeoutMs = 120_000): Promise<void> {
  await Promise.all(APPS.map((n) => pipeline.service(n).waitUntil((h) => h.status === 200, timeoutMs)));
}

async function killAndRestart(name: AppName): Promise<void> {
  log(`SIGKILL ${name}`);
  killedAt.set(name, Date.now());
  await pipeline.kill(name, 'SIGKILL');
  await sleep(3000);
  await pipeline.restart(name);
  log(`${name} restarted and healthy`);
}

async function faults(): Promise<string[]> {
  const done: string[] = [];
  await sleep(15_000);
  for (const name of APPS) {
    await killAndRestart(name);
    done.push(`SIGKILL + restart ${name}`);
    await sleep(5000);
  }
  log('stopping the Kafka broker');
  await stack.stopKafka();
  await sleep(10_000);
  await stack.startKafka();
  await allHealthy();
  log('Kafka broker back, services healthy');
  done.push('Kafka broker stopped 10 s and started');
  await sleep(10_000);
  log('restarting PostgreSQL');
  await stack.restartPostgres();
  await allHealthy();
  log('PostgreSQL back, services healthy');
  done.push('PostgreSQL restarted');
  await sleep(10_000);
  log('simulator: 30% errors for 15 s');
  await pipeline.simulator.addFaults({
    random: {
      probability: 0.3,
      failures: [
        { kind: 'error', code: 131000, httpStatus: 500 },
        { kind: 'error', code: 131016 },
        { kind: 'error', code: 130429 },
      ],
    },
  });
  await sleep(15_000);
  await pipeline.simulator.addFaults({ random: null, stall: { forMs: 10_000 } });
  log('simulator: stalled 10 s');
  await sleep(10_000);
  await pipeline.simulator.clearFaults();
  done.push('simulator 30% errors for 15 s, then stalled 10 s');
  return done;
}

describe('the pipeline under faults', () => {
  it(
    'every eligible cart gets exactly one message, in opening hours, and every input is accounted for',
    async () => {
      stack = await startPrivateStack();
      process.env.KAFKA_BROKERS = stack.kafkaBrokers;
      process.env.DATABASE_URL = stack.databaseUrl;
      log(`private stack: Kafka ${stack.kafkaBrokers}`);
      pipeline = await startPipeline({
        label: 'faults',
        log,
        simulatorArgs: ['--statuses', 'sent,delivered', '--no-pair-limit'],
        env: {
          all: { LOG_LEVEL: 'warn' },
          // Stalled calls give up sooner, so the stall shows as timeouts within the run.
          sender: { WHATSAPP_TIMEOUT_MS: '3000' },
        },
      });
      watcher = new TopicWatcher(pipeline.kafkaBrokers);
      await watcher.start(watchedTopics(pipeline));

      const setup = faultStores({ now: new Date(), laterOpensInMinutes: LATER_OPENS_IN_MINUTES });
      const optedOut = await storesWithOptOuts(pipeline, watcher, setup.stores, OPTED_OUT_PER_STORE, log);
      platform = platformPublisher(pipeline, stack.kafkaBrokers);

      const loadStarted = Date.now();
      const [tally, faultsDone] = await Promise.all([
        runCartLoad(
          {
            pipeline,
            publishRaw: platform.publish,
            stores: setup.stores.map((s) => s.storeId),
            optedOut,
            cartsPerSecond: CARTS_PER_SECOND,
            seconds: LOAD_SECONDS,
            poisonEvery: 200,
          },
          log,
        ),
        faults(),
      ]);
      log(`load done in ${Math.round((Date.now() - loadStarted) / 1000)} s: ${tally.carts.length} carts`);

      // Drain: every eligible cart messaged (the Tokyo store's at its opening), or time is up.
      const messages = await drain(pipeline, tally, setup.laterOpensAt, log);

      // Counting from a reader that missed records would blame the pipeline.
      await watcher.caughtUp(120_000);
      if (watcher.incidents.length > 0) log(`topic watcher: ${watcher.incidents.join('; ')}`);
      const counts = await account(
        { pipeline, watcher, databaseUrl: stack.databaseUrl, senderKilledAt: killedAt.get('sender') },
        tally,
        messages,
        setup,
      );
      log(`faults: ${faultsDone.join('; ')}`);
      log(`counts:\n${JSON.stringify(counts, null, 2)}`);
      log(`summary ${summaryLine(counts)}`);

      expect(brokenPromises(counts)).toEqual({});
    },
    20 * 60_000,
  );
});
