import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import {
  dockerAnswers,
  hasContainer,
  kafkaContainer,
  kafkaContainerOf,
  postgresContainer,
  removeContainers,
  setKafkaContainerRunning,
} from './containers';
import { runningBroker, startBroker, stopBroker, withFreePorts, type BrokerStart } from './kafka/broker';
import { metadataAnswers, waitForMetadata, warmGroupCoordinator } from './kafka/client';
import { brokerSettingsFromEnv, intFromEnv, settingsOfProperties, type BrokerSettings } from './kafka/config';
import { alignTopicConfigs, ensureTopics } from './kafka/topics';
import { withStackLock } from './lock';
import { stackPaths, type StackPaths } from './paths';
import { runningEmbedded, stopEmbedded } from './postgres/embedded';
import { pgProblem } from './postgres/probe';
import { DATABASE_NAME, redacted, resolvePostgres, type PostgresMode } from './postgres/resolve';
import type { StopOutcome } from './processes';
import { seconds, stderrLog, timed, type Log } from './progress';

export type Runtime = 'auto' | 'local' | 'docker';

export interface StackUpOptions {
  /** Progress lines; default: stderr. */
  log?: Log;
  /** Prefix of the product topics to create; default TOPIC_PREFIX or none. */
  topicPrefix?: string;
  /** Partitions per topic; default KAFKA_PARTITIONS or 6. */
  partitions?: number;
  /** Where PostgreSQL comes from; default STACK_POSTGRES or auto. */
  postgres?: PostgresMode;
  /** local: Maven broker and local/embedded PostgreSQL; docker: testcontainers; auto: docker only if it answers. */
  runtime?: Runtime;
}

export interface StackUp {
  kafkaBrokers: string;
  databaseUrl: string;
  /** This call started a Kafka broker (it was not running). */
  startedKafka: boolean;
  /** This call started a PostgreSQL server. */
  startedPostgres: boolean;
}

/**
 * Brings up Kafka and PostgreSQL (or finds them running), creates the product's topics and
 * writes .stack/stack.env. Idempotent: a second call finds everything running and returns.
 */
export async function stackUp(options: StackUpOptions = {}): Promise<StackUp> {
  const log = options.log ?? stderrLog;
  const paths = stackPaths();
  mkdirSync(paths.root, { recursive: true });
  return withStackLock(paths.lock, log, async () => {
    const [result, totalMs] = await timed(async () => {
      const docker = await useDocker(options.runtime ?? runtimeFromEnv(), paths);
      const partitions = options.partitions ?? intFromEnv(process.env, 'KAFKA_PARTITIONS', 6);
      // JVM start and PostgreSQL start overlap.
      const [kafka, postgres] = await Promise.all([
        docker ? kafkaFromDocker(paths, log) : kafkaFromMaven(paths, log),
        docker && !process.env.DATABASE_URL
          ? postgresFromDocker(paths, log)
          : resolvePostgres(paths.postgres, options.postgres ?? postgresModeFromEnv(), log),
      ]);
      const prefix = options.topicPrefix ?? process.env.TOPIC_PREFIX ?? '';
      const [created, topicsMs] = await timed(() => ensureTopics(kafka.brokers, prefix, partitions));
      if (created.length > 0) log(`created ${created.length} topics in ${seconds(topicsMs)}`);
      const aligned = await alignTopicConfigs(kafka.brokers, prefix);
      if (aligned.length > 0) log(`gave ${aligned.join(', ')} the configuration of the contracts`);
      return {
        kafkaBrokers: kafka.brokers,
        databaseUrl: postgres.databaseUrl,
        startedKafka: kafka.started,
        startedPostgres: postgres.started,
      };
    });
    writeEnvFile(paths, result);
    log(`up in ${seconds(totalMs)}: KAFKA_BROKERS=${result.kafkaBrokers} DATABASE_URL=${redacted(result.databaseUrl)}`);
    return result;
  });
}

export interface StackDownOptions {
  log?: Log;
  /** Also delete the broker's and the embedded PostgreSQL's data (not the jar cache). */
  purge?: boolean;
}

/** Stops what `stackUp` started (found by pid files and containers.json), and nothing else. */
export async function stackDown(options: StackDownOptions = {}): Promise<void> {
  const log = options.log ?? stderrLog;
  const paths = stackPaths();
  if (!existsSync(paths.root)) return log('nothing to stop: no .stack directory');
  await withStackLock(paths.lock, log, async () => {
    const [kafka, kafkaMs] = await timed(() => stopBroker(paths.kafka));
    log(`Kafka broker: ${describeStop(kafka, kafkaMs)}`);
    const [postgres, postgresMs] = await timed(() => stopEmbedded(paths.postgres));
    log(`embedded PostgreSQL: ${describeStop(postgres, postgresMs)}`);
    if (existsSync(paths.containers)) log(`removed ${await removeContainers(paths.containers)} containers`);
    rmSync(paths.envFile, { force: true });
    if (options.purge) {
      rmSync(paths.kafka.data, { recursive: true, force: true });
      rmSync(paths.postgres.dir, { recursive: true, force: true });
      log('deleted the Kafka and embedded PostgreSQL data');
    }
  });
}

/**
 * Starts the stack's broker again after stopKafka(), keeping its data (for fault tests).
 * A no-op when it runs already.
 */
export async function startKafka(options: { log?: Log } = {}): Promise<{ kafkaBrokers: string; startMs: number }> {
  const log = options.log ?? stderrLog;
  const paths = stackPaths();
  mkdirSync(paths.root, { recursive: true });
  return withStackLock(paths.lock, log, async () => {
    const container = kafkaContainerOf(paths.containers);
    if (container) {
      const [, startMs] = await timed(async () => {
        await setKafkaContainerRunning(container.id, true);
        await waitForMetadata(container.brokers, () => true, 120_000);
      });
      return { kafkaBrokers: container.brokers, startMs };
    }
    // The stack's own broker, whatever KAFKA_BROKERS says (global setup sets it for the workers).
    if (!existsSync(paths.kafka.properties)) throw new Error('the stack has never started a broker here');
    const previous = settingsOfProperties(readFileSync(paths.kafka.properties, 'utf8'), paths.kafka.data);
    const kafka = await ourBroker(paths, log, previous);
    return { kafkaBrokers: kafka.brokers, startMs: kafka.start?.startMs ?? 0 };
  });
}

/** Stops the stack's broker (graceful, data kept) so a test can see Kafka go away. */
export async function stopKafka(options: { log?: Log } = {}): Promise<StopOutcome> {
  const paths = stackPaths();
  return withStackLock(paths.lock, options.log ?? stderrLog, async () => {
    const container = kafkaContainerOf(paths.containers);
    if (!container) return stopBroker(paths.kafka);
    await setKafkaContainerRunning(container.id, false);
    return 'stopped';
  });
}

export interface StackStatus {
  kafka: string;
  postgres: string;
  env: string | undefined;
}

/** One line for Kafka and one for PostgreSQL, describing what runs now. */
export async function stackStatus(): Promise<StackStatus> {
  const paths = stackPaths();
  return {
    kafka: await kafkaStatus(paths),
    postgres: await postgresStatus(paths),
    env: existsSync(paths.envFile) ? readFileSync(paths.envFile, 'utf8') : undefined,
  };
}

interface KafkaUp {
  brokers: string;
  started: boolean;
  start?: BrokerStart;
}

async function kafkaFromMaven(paths: StackPaths, log: Log): Promise<KafkaUp> {
  const external = process.env.KAFKA_BROKERS;
  if (external) {
    await waitForMetadata(external, () => true, 30_000);
    return { brokers: external, started: false };
  }
  return ourBroker(paths, log);
}

/** The broker of .stack/kafka: the running one when it answers, else a new start. */
async function ourBroker(paths: StackPaths, log: Log, previous?: BrokerSettings): Promise<KafkaUp> {
  // A restart (startKafka) keeps the ports the clients know.
  const restart = previous !== undefined;
  const settings = previous ?? brokerSettingsFromEnv(paths.kafka.data);
  const running = runningBroker(paths.kafka);
  if (running) {
    // We hold the lock, so nobody is starting it: one that runs but does not answer is stuck.
    if (await metadataAnswers(running.brokers)) {
      const wanted = `127.0.0.1:${settings.port}`;
      if (process.env.KAFKA_PORT && wanted !== running.brokers)
        log(`the running broker listens on ${running.brokers}; stack:down first to move it to ${wanted}`);
      return { brokers: running.brokers, started: false };
    }
    log(`broker pid ${running.pid} runs but does not answer: restarting it`);
    await stopBroker(paths.kafka);
  }
  const fixedPorts = Boolean(process.env.KAFKA_PORT || process.env.KAFKA_CONTROLLER_PORT) || restart;
  const start = await startBroker(paths.kafka, await withFreePorts(settings, fixedPorts, log), log);
  const [, warmMs] = await timed(() => warmGroupCoordinator(start.brokers));
  const steps = [
    start.resolveMs > 0 ? `Maven resolve ${seconds(start.resolveMs)}` : 'jars cached',
    start.formatMs > 0 ? `storage format ${seconds(start.formatMs)}` : 'data kept',
    `broker start ${seconds(start.startMs)}`,
    `group coordinator ${seconds(warmMs)}`,
  ];
  log(`Kafka up (pid ${start.pid}): ${steps.join(', ')}`);
  return { brokers: start.brokers, started: true, start };
}

async function kafkaFromDocker(paths: StackPaths, log: Log): Promise<KafkaUp> {
  const external = process.env.KAFKA_BROKERS;
  if (external) return kafkaFromMaven(paths, log);
  const reused = hasContainer(paths.containers, 'kafka');
  const brokers = await kafkaContainer(paths.containers, brokerSettingsFromEnv(paths.kafka.data), log);
  return { brokers, started: !reused };
}

async function postgresFromDocker(paths: StackPaths, log: Log): Promise<{ databaseUrl: string; started: boolean }> {
  const reused = hasContainer(paths.containers, 'postgres');
  const databaseUrl = await postgresContainer(paths.containers, DATABASE_NAME, log);
  return { databaseUrl, started: !reused };
}

async function useDocker(runtime: Runtime, paths: StackPaths): Promise<boolean> {
  if (runtime !== 'auto') return runtime === 'docker';
  // Nothing to start, or our own broker already runs: no reason to ask Docker.
  if (process.env.KAFKA_BROKERS && process.env.DATABASE_URL) return false;
  if (runningBroker(paths.kafka)) return false;
  return dockerAnswers();
}

async function kafkaStatus(paths: StackPaths): Promise<string> {
  const container = kafkaContainerOf(paths.containers);
  if (container) return `Docker container ${container.id.slice(0, 12)} on ${container.brokers}`;
  const running = runningBroker(paths.kafka);
  if (running) {
    const answers = (await metadataAnswers(running.brokers)) ? 'answers' : 'does not answer';
    return `broker pid ${running.pid} on ${running.brokers} (${answers}); log ${paths.kafka.log}`;
  }
  const external = process.env.KAFKA_BROKERS ?? envFileValue(paths, 'KAFKA_BROKERS');
  if (!external) return 'not running';
  const answers = (await metadataAnswers(external)) ? 'answers' : 'does not answer';
  return `no broker of the stack runs; KAFKA_BROKERS=${external} (${answers})`;
}

async function postgresStatus(paths: StackPaths): Promise<string> {
  const embedded = runningEmbedded(paths.postgres);
  if (embedded) return `embedded pid ${embedded.pid} on 127.0.0.1:${embedded.port}; log ${paths.postgres.log}`;
  const url = process.env.DATABASE_URL ?? envFileValue(paths, 'DATABASE_URL');
  if (!url) return 'not brought up (no DATABASE_URL, no .stack/stack.env)';
  const problem = await pgProblem(url);
  return `${redacted(url)} (${problem ? `does not answer: ${problem}` : 'answers'})`;
}

function envFileValue(paths: StackPaths, name: string): string | undefined {
  if (!existsSync(paths.envFile)) return undefined;
  const line = readFileSync(paths.envFile, 'utf8')
    .split('\n')
    .find((l) => l.startsWith(`${name}=`));
  return line?.slice(name.length + 1);
}

function writeEnvFile(paths: StackPaths, up: StackUp): void {
  writeFileSync(
    paths.envFile,
    `# Written by scripts/stack (stack:up) at ${new Date().toISOString()}\n` +
      `KAFKA_BROKERS=${up.kafkaBrokers}\nDATABASE_URL=${up.databaseUrl}\n`,
  );
}

function describeStop(outcome: StopOutcome, ms: number): string {
  return outcome === 'not-running' ? 'not running' : `${outcome} in ${seconds(ms)}`;
}

function runtimeFromEnv(): Runtime {
  return oneOf('STACK_RUNTIME', ['auto', 'local', 'docker'] as const, 'auto');
}

function postgresModeFromEnv(): PostgresMode {
  return oneOf('STACK_POSTGRES', ['auto', 'local', 'embedded'] as const, 'auto');
}

function oneOf<T extends string>(name: string, allowed: readonly T[], fallback: T): T {
  const value = process.env[name] || fallback;
  if (!allowed.includes(value as T)) throw new Error(`${name} must be one of ${allowed.join(', ')}; got "${value}"`);
  return value as T;
}
