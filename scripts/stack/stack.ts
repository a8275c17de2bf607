import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import {
  dockerAnswers,
  hasContainer,
  kafkaContainer,
  kafkaContainerOf,
  postgresContainer,
  removeContainers,
  setKafkaContainerRunning,
} from './containers';
import { metadataAnswers, waitForMetadata } from './kafka/client';
import {
  brokersOf,
  kafkaModeFromEnv,
  knownNodes,
  lastStart,
  PLAINTEXT,
  runningNodes,
  secureClientEnv,
  secureDir,
  settingsFor,
  startNodes,
  stopNodes,
  withFreeClusterPorts,
  type ClusterStart,
  type KafkaMode,
  type KafkaSecurityMode,
} from './kafka/cluster';
import { brokerSettingsFromEnv, intFromEnv, type BrokerSettings } from './kafka/config';
import { secureMaterial, type SecureMaterial } from './kafka/secure';
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
  /** Kafka nodes (KRaft, each broker and controller, one JVM each): 1 or 3 (or 5); default STACK_KAFKA_NODES or 1. */
  kafkaNodes?: number;
  /** `sasl_ssl` adds the SASL_SSL listener; default STACK_KAFKA_SECURITY or plaintext. */
  kafkaSecurity?: KafkaSecurityMode;
}

export interface StackUp {
  kafkaBrokers: string;
  databaseUrl: string;
  /** This call started a Kafka broker (it was not running). */
  startedKafka: boolean;
  /** This call started a PostgreSQL server. */
  startedPostgres: boolean;
  /** Nodes of the stack's Kafka cluster (1 for an external cluster or a container). */
  kafkaNodes: number;
  /** SASL_SSL bootstrap servers (secure mode); `kafkaBrokers` stays the PLAINTEXT listener. */
  kafkaSecureBrokers?: string;
  /**
   * What a client needs, as written to .stack/stack.env: `KAFKA_BROKERS`, and in secure mode
   * the SASL_SSL listener's KAFKA_SECURITY_PROTOCOL, KAFKA_SASL_MECHANISM, KAFKA_SASL_USERNAME,
   * KAFKA_SASL_PASSWORD, KAFKA_SSL_CA_FILE, plus KAFKA_PLAINTEXT_BROKERS.
   */
  kafkaEnv: Record<string, string>;
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
      const mode = modeOf(options);
      const docker = await useDocker(options.runtime ?? runtimeFromEnv(), paths, mode);
      const partitions = options.partitions ?? intFromEnv(process.env, 'KAFKA_PARTITIONS', 6);
      // JVM start and PostgreSQL start overlap.
      const [kafka, postgres] = await Promise.all([
        docker ? kafkaFromDocker(paths, log) : kafkaFromMaven(paths, log, mode),
        docker && !process.env.DATABASE_URL
          ? postgresFromDocker(paths, log)
          : resolvePostgres(paths.postgres, options.postgres ?? postgresModeFromEnv(), log),
      ]);
      const prefix = options.topicPrefix ?? process.env.TOPIC_PREFIX ?? '';
      // Our own brokers over their PLAINTEXT listener; an external cluster as the environment says.
      const security = kafka.own ? { security: PLAINTEXT } : {};
      const [created, topicsMs] = await timed(() => ensureTopics(kafka.brokers, prefix, partitions, security));
      if (created.length > 0) log(`created ${created.length} topics in ${seconds(topicsMs)}`);
      const aligned = await alignTopicConfigs(kafka.brokers, prefix, security);
      if (aligned.length > 0) log(`gave ${aligned.join(', ')} the configuration of the contracts`);
      return {
        kafkaBrokers: kafka.brokers,
        databaseUrl: postgres.databaseUrl,
        startedKafka: kafka.started,
        startedPostgres: postgres.started,
        kafkaNodes: kafka.nodes,
        ...(kafka.secureBrokers ? { kafkaSecureBrokers: kafka.secureBrokers } : {}),
        kafkaEnv: kafka.env,
      };
    });
    writeEnvFile(paths, result);
    const where = result.kafkaSecureBrokers
      ? `KAFKA_BROKERS=${result.kafkaSecureBrokers} (SASL_SSL; PLAINTEXT ${result.kafkaBrokers})`
      : `KAFKA_BROKERS=${result.kafkaBrokers}`;
    log(`up in ${seconds(totalMs)}: ${where} DATABASE_URL=${redacted(result.databaseUrl)}`);
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
    const nodes = knownNodes(paths.kafka).length;
    const [kafka, kafkaMs] = await timed(() => stopNodes(paths.kafka));
    log(`Kafka ${nodes > 1 ? `nodes (${nodes})` : 'broker'}: ${describeStop(kafka, kafkaMs)}`);
    const [postgres, postgresMs] = await timed(() => stopEmbedded(paths.postgres));
    log(`embedded PostgreSQL: ${describeStop(postgres, postgresMs)}`);
    if (existsSync(paths.containers)) log(`removed ${await removeContainers(paths.containers)} containers`);
    rmSync(paths.envFile, { force: true });
    if (options.purge) {
      rmSync(paths.kafka.data, { recursive: true, force: true });
      for (const node of knownNodes(paths.kafka))
        if (node.dir !== paths.kafka.dir) rmSync(node.dir, { recursive: true, force: true });
      rmSync(secureDir(paths.kafka), { recursive: true, force: true });
      rmSync(path.join(paths.kafka.dir, 'last-start.json'), { force: true });
      rmSync(path.join(paths.kafka.dir, 'scram-user'), { force: true });
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
    // The stack's own broker(s), whatever KAFKA_BROKERS says (global setup sets it for the workers).
    const previous = lastStart(paths.kafka);
    if (!previous) throw new Error('the stack has never started a broker here');
    const mode: KafkaMode = {
      nodes: previous.length,
      security: previous[0].securePort !== undefined ? 'sasl_ssl' : 'plaintext',
    };
    const kafka = await ourBroker(paths, log, mode, previous);
    return { kafkaBrokers: kafka.brokers, startMs: kafka.start?.startMs ?? 0 };
  });
}

/** Stops the stack's broker (graceful, data kept) so a test can see Kafka go away. */
export async function stopKafka(options: { log?: Log } = {}): Promise<StopOutcome> {
  const paths = stackPaths();
  return withStackLock(paths.lock, options.log ?? stderrLog, async () => {
    const container = kafkaContainerOf(paths.containers);
    if (!container) return stopNodes(paths.kafka);
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
  /** PLAINTEXT bootstrap servers (or the external KAFKA_BROKERS). */
  brokers: string;
  started: boolean;
  /** The stack's own brokers (reached over PLAINTEXT), not KAFKA_BROKERS' cluster. */
  own: boolean;
  nodes: number;
  secureBrokers?: string;
  env: Record<string, string>;
  start?: ClusterStart;
}

async function kafkaFromMaven(paths: StackPaths, log: Log, mode: KafkaMode): Promise<KafkaUp> {
  const external = process.env.KAFKA_BROKERS;
  if (external) {
    await waitForMetadata(external, () => true, 30_000);
    return { brokers: external, started: false, own: false, nodes: 1, env: { KAFKA_BROKERS: external } };
  }
  return ourBroker(paths, log, mode);
}

/** The nodes of .stack/kafka: the running ones when they answer, else a new start. */
async function ourBroker(paths: StackPaths, log: Log, mode: KafkaMode, previous?: BrokerSettings[]): Promise<KafkaUp> {
  // A restart (startKafka) keeps the ports the clients know.
  const restart = previous !== undefined;
  const planned = await settingsFor(paths.kafka, mode);
  const material = planned.material;
  const running = runningNodes(paths.kafka);
  if (running.length > 0) {
    const settings = running.map((n) => n.settings);
    const brokers = brokersOf(settings);
    // We hold the lock, so nobody is starting it: one that runs but does not answer is stuck.
    if (await metadataAnswers(brokers, PLAINTEXT)) {
      const runningSecure = settings.some((s) => s.securePort !== undefined);
      const runningMode = `${settings.length} node(s), ${runningSecure ? 'sasl_ssl' : 'plaintext'}`;
      if (settings.length !== mode.nodes || runningSecure !== (mode.security === 'sasl_ssl'))
        log(`Kafka runs with ${runningMode}; stack:down first to start it as ${mode.nodes} node(s), ${mode.security}`);
      else if (process.env.KAFKA_PORT && settings[0].port !== planned.settings[0].port)
        log(`the running broker listens on ${brokers}; stack:down first to move it to port ${process.env.KAFKA_PORT}`);
      const secureMat = runningSecure ? (material ?? (await secureMaterial(secureDir(paths.kafka)))) : undefined;
      return upOf(settings, secureMat, false);
    }
    log(`Kafka pid ${running.map((n) => n.pid).join(', ')} runs but does not answer: restarting it`);
    await stopNodes(paths.kafka);
  }
  const fixedPorts = Boolean(process.env.KAFKA_PORT || process.env.KAFKA_CONTROLLER_PORT) || restart;
  const settings = await withFreeClusterPorts(previous ?? planned.settings, fixedPorts, log);
  const start = await startNodes(paths.kafka, settings, log, { material });
  const steps = [
    start.resolveMs > 0 ? `Maven resolve ${seconds(start.resolveMs)}` : 'jars cached',
    start.formatMs > 0 ? `storage format ${seconds(start.formatMs)}` : 'data kept',
    `${settings.length > 1 ? `${settings.length} nodes` : 'broker'} start ${seconds(start.startMs)}`,
  ];
  log(`Kafka up (pid ${start.nodes.map((n) => n.pid).join(', ')}): ${steps.join(', ')}`);
  return { ...upOf(settings, material, true), start };
}

function upOf(settings: BrokerSettings[], material: SecureMaterial | undefined, started: boolean): KafkaUp {
  const brokers = brokersOf(settings);
  const secureBrokers = material ? brokersOf(settings, 'sasl_ssl') : undefined;
  const env: Record<string, string> =
    secureBrokers && material
      ? { ...secureClientEnv(secureBrokers, material), KAFKA_PLAINTEXT_BROKERS: brokers }
      : { KAFKA_BROKERS: brokers };
  return { brokers, started, own: true, nodes: settings.length, ...(secureBrokers ? { secureBrokers } : {}), env };
}

async function kafkaFromDocker(paths: StackPaths, log: Log): Promise<KafkaUp> {
  const external = process.env.KAFKA_BROKERS;
  if (external) return kafkaFromMaven(paths, log, { nodes: 1, security: 'plaintext' });
  const reused = hasContainer(paths.containers, 'kafka');
  const brokers = await kafkaContainer(paths.containers, brokerSettingsFromEnv(paths.kafka.data), log);
  // The container's PLAINTEXT listener is the stack's own.
  return { brokers, started: !reused, own: true, nodes: 1, env: { KAFKA_BROKERS: brokers } };
}

async function postgresFromDocker(paths: StackPaths, log: Log): Promise<{ databaseUrl: string; started: boolean }> {
  const reused = hasContainer(paths.containers, 'postgres');
  const databaseUrl = await postgresContainer(paths.containers, DATABASE_NAME, log);
  return { databaseUrl, started: !reused };
}

async function useDocker(runtime: Runtime, paths: StackPaths, mode: KafkaMode): Promise<boolean> {
  const special = mode.nodes > 1 || mode.security !== 'plaintext';
  if (runtime === 'docker' && special)
    throw new Error('the cluster and secure modes run the Maven broker only: use STACK_RUNTIME=local or auto');
  if (runtime !== 'auto') return runtime === 'docker';
  // Nothing to start, our own broker already runs, or a mode only the Maven broker has.
  if (special) return false;
  if (process.env.KAFKA_BROKERS && process.env.DATABASE_URL) return false;
  if (runningNodes(paths.kafka).length > 0) return false;
  return dockerAnswers();
}

async function kafkaStatus(paths: StackPaths): Promise<string> {
  const container = kafkaContainerOf(paths.containers);
  if (container) return `Docker container ${container.id.slice(0, 12)} on ${container.brokers}`;
  const running = runningNodes(paths.kafka);
  if (running.length > 0) {
    const brokers = brokersOf(running.map((n) => n.settings));
    const answers = (await metadataAnswers(brokers, PLAINTEXT)) ? 'answers' : 'does not answer';
    const nodes = running.map((n) => {
      const secure = n.settings.securePort !== undefined ? `, SASL_SSL ${n.settings.securePort}` : '';
      return `node ${n.settings.nodeId ?? 1} pid ${n.pid} on PLAINTEXT ${n.settings.port}${secure}; log ${n.paths.log}`;
    });
    return running.length === 1
      ? `broker ${nodes[0].slice('node 1 '.length)} (${answers})`
      : `${running.length} nodes on ${brokers} (${answers})\n          ${nodes.join('\n          ')}`;
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

/** The KEY=value lines of an up: the Kafka client's variables, then DATABASE_URL. */
export function envLines(up: StackUp): string {
  const vars = { ...up.kafkaEnv, DATABASE_URL: up.databaseUrl };
  return Object.entries(vars)
    .map(([name, value]) => `${name}=${value}\n`)
    .join('');
}

function writeEnvFile(paths: StackPaths, up: StackUp): void {
  writeFileSync(
    paths.envFile,
    `# Written by scripts/stack (stack:up) at ${new Date().toISOString()}\n${envLines(up)}`,
    {
      mode: 0o600,
    },
  );
}

function modeOf(options: StackUpOptions): KafkaMode {
  const fromEnv = kafkaModeFromEnv();
  const nodes = options.kafkaNodes ?? fromEnv.nodes;
  if (![1, 3, 5].includes(nodes)) throw new Error(`kafkaNodes must be 1, 3 or 5 (a KRaft quorum); got ${nodes}`);
  return { nodes, security: options.kafkaSecurity ?? fromEnv.security };
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
