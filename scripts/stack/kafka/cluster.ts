import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { KafkaSecurity } from '../../../libs/config/src/connections';
import { stackPaths, type StackPaths } from '../paths';
import {
  freePort,
  isOurProcess,
  portAnswers,
  readPidFile,
  removeFile,
  waitForExit,
  type StopOutcome,
} from '../processes';
import { stderrLog, timed, type Log } from '../progress';
import { startBroker, stopBroker, type BrokerStart } from './broker';
import { resolveKafkaClasspath } from './classpath';
import { warmGroupCoordinator } from './client';
import {
  brokerSettingsFromEnv,
  clusterSettings,
  clusterSizeOf,
  intFromEnv,
  newClusterId,
  portsOf,
  settingsOfProperties,
  type BrokerSettings,
} from './config';
import { secureMaterial, type SecureMaterial } from './secure';

export type KafkaPaths = StackPaths['kafka'];

/** `plaintext`: one PLAINTEXT client listener; `sasl_ssl`: a SASL_SSL listener beside it. */
export type KafkaSecurityMode = 'plaintext' | 'sasl_ssl';

export interface KafkaMode {
  /** Nodes, each broker and controller in its own JVM: 1 (default) or a quorum of 3 (or 5). */
  nodes: number;
  security: KafkaSecurityMode;
}

/** The stack's own brokers are reached over their PLAINTEXT loopback listener. */
export const PLAINTEXT: KafkaSecurity = { protocol: 'PLAINTEXT' };

/** STACK_KAFKA_NODES (1, 3 or 5; default 1) and STACK_KAFKA_SECURITY (plaintext | sasl_ssl). */
export function kafkaModeFromEnv(env: NodeJS.ProcessEnv = process.env): KafkaMode {
  const nodes = intFromEnv(env, 'STACK_KAFKA_NODES', 1);
  if (![1, 3, 5].includes(nodes)) throw new Error(`STACK_KAFKA_NODES must be 1, 3 or 5 (a KRaft quorum); got ${nodes}`);
  const security = (env.STACK_KAFKA_SECURITY || 'plaintext').toLowerCase();
  if (security !== 'plaintext' && security !== 'sasl_ssl')
    throw new Error(`STACK_KAFKA_SECURITY must be plaintext or sasl_ssl; got "${env.STACK_KAFKA_SECURITY}"`);
  return { nodes, security };
}

/**
 * Where node `id` of a cluster of `nodes` keeps its files: one node uses `.stack/kafka` itself
 * (as before clusters existed), nodes of a cluster `.stack/kafka/node-<id>`. The jars are shared.
 */
export function nodePaths(kafka: KafkaPaths, id: number, nodes: number): KafkaPaths {
  if (nodes === 1) return kafka;
  return pathsUnder(kafka, path.join(kafka.dir, `node-${id}`));
}

/** A node's data, properties, logs and pid file under `dir`; the jars stay shared. */
function pathsUnder(kafka: KafkaPaths, dir: string): KafkaPaths {
  return {
    ...kafka,
    dir,
    data: path.join(dir, 'data'),
    properties: path.join(dir, 'server.properties'),
    log4j: path.join(dir, 'log4j2.xml'),
    log: path.join(dir, 'broker.log'),
    pid: path.join(dir, 'broker.pid'),
  };
}

/** Every node directory with a server.properties: the single node's and each `node-<id>`'s. */
export function knownNodes(kafka: KafkaPaths): KafkaPaths[] {
  const out: KafkaPaths[] = [];
  if (existsSync(kafka.properties)) out.push(kafka);
  if (!existsSync(kafka.dir)) return out;
  const ids = readdirSync(kafka.dir)
    .map((name) => /^node-(\d+)$/.exec(name))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => Number(m[1]))
    .sort((a, b) => a - b);
  for (const id of ids) {
    const node = nodePaths(kafka, id, 2);
    if (existsSync(node.properties)) out.push(node);
  }
  return out;
}

export interface RunningNode {
  pid: number;
  paths: KafkaPaths;
  settings: BrokerSettings;
}

/** The nodes that a previous start left running (their pid files name live processes of ours). */
export function runningNodes(kafka: KafkaPaths): RunningNode[] {
  const out: RunningNode[] = [];
  for (const node of knownNodes(kafka)) {
    const pid = readPidFile(node.pid);
    if (!isOurProcess(pid, node.properties)) continue;
    const settings = settingsOfProperties(readFileSync(node.properties, 'utf8'), node.data);
    if (settings) out.push({ pid, paths: node, settings });
  }
  return out;
}

/** Comma-separated PLAINTEXT (or SASL_SSL) bootstrap servers of a set of node settings. */
export function brokersOf(settings: BrokerSettings[], listener: 'plaintext' | 'sasl_ssl' = 'plaintext'): string {
  return settings
    .map((s) => (listener === 'plaintext' ? s.port : s.securePort))
    .filter((p): p is number => p !== undefined)
    .map((p) => `127.0.0.1:${p}`)
    .join(',');
}

/**
 * The variables a client of the SASL_SSL listener needs (the names libs/config reads):
 * SCRAM-SHA-512 with the stack's user, and the CA that signed the broker certificate.
 */
export function secureClientEnv(secureBrokers: string, material: SecureMaterial): Record<string, string> {
  return {
    KAFKA_BROKERS: secureBrokers,
    KAFKA_SECURITY_PROTOCOL: 'SASL_SSL',
    KAFKA_SASL_MECHANISM: 'SCRAM-SHA-512',
    KAFKA_SASL_USERNAME: material.username,
    KAFKA_SASL_PASSWORD: material.password,
    KAFKA_SSL_CA_FILE: material.caFile,
  };
}

/** Settings of the last start, so a restart (startKafka) comes back on the same ports. */
function lastStartFile(kafka: KafkaPaths): string {
  return path.join(kafka.dir, 'last-start.json');
}

export function lastStart(kafka: KafkaPaths): BrokerSettings[] | undefined {
  const file = lastStartFile(kafka);
  if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')) as BrokerSettings[];
  // A stack that predates clusters: its single node's properties.
  if (!existsSync(kafka.properties)) return undefined;
  const single = settingsOfProperties(readFileSync(kafka.properties, 'utf8'), kafka.data);
  return single ? [single] : undefined;
}

/** The settings of every node for `mode`, from KAFKA_PORT / KAFKA_CONTROLLER_PORT / KAFKA_PARTITIONS. */
export async function settingsFor(
  kafka: KafkaPaths,
  mode: KafkaMode,
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ settings: BrokerSettings[]; material?: SecureMaterial }> {
  const material = mode.security === 'sasl_ssl' ? await secureMaterial(secureDir(kafka)) : undefined;
  const base = brokerSettingsFromEnv(kafka.data, env);
  const settings = clusterSettings(base, mode.nodes, material, (id) => nodePaths(kafka, id, mode.nodes).data);
  return { settings, material };
}

export function secureDir(kafka: KafkaPaths): string {
  return path.join(kafka.dir, 'secure');
}

/**
 * The settings with ports that are free. Ports given explicitly must be free; otherwise every
 * port of the cluster is replaced by one the OS picks when any of them is taken.
 */
export async function withFreeClusterPorts(
  settings: BrokerSettings[],
  fixed: boolean,
  log: Log,
  /** Free ports the OS picks, whether the planned ones are taken or not. */
  always = false,
): Promise<BrokerSettings[]> {
  const busy: number[] = [];
  for (const s of settings) for (const port of portsOf(s)) if (await portAnswers(port)) busy.push(port);
  if (busy.length === 0 && !always) return settings;
  const what = busy.length === 1 ? `port ${busy[0]} is` : `ports ${busy.join(', ')} are`;
  if (fixed) {
    throw new Error(
      `${what} taken by a process the stack did not start. Use that cluster with ` +
        `KAFKA_BROKERS=${brokersOf(settings)}, or pick other ports with KAFKA_PORT / KAFKA_CONTROLLER_PORT.`,
    );
  }
  const taken = new Set<number>();
  const pick = async () => {
    for (;;) {
      const port = await freePort(0);
      if (!taken.has(port)) return (taken.add(port), port);
    }
  };
  const moved: BrokerSettings[] = [];
  for (const s of settings) {
    moved.push({
      ...s,
      port: await pick(),
      controllerPort: await pick(),
      ...(s.securePort !== undefined ? { securePort: await pick() } : {}),
    });
  }
  const voters = moved.map((s) => ({ id: s.nodeId ?? 1, controllerPort: s.controllerPort }));
  if (busy.length > 0) log(`${what} taken by another process: using ${brokersOf(moved)} instead`);
  return moved.map((s) => ({ ...s, voters }));
}

export interface ClusterStart {
  nodes: BrokerStart[];
  /** PLAINTEXT bootstrap servers of every node. */
  brokers: string;
  /** SASL_SSL bootstrap servers (secure mode). */
  secureBrokers?: string;
  resolveMs: number;
  formatMs: number;
  startMs: number;
}

/**
 * Starts every node (one JVM each, in parallel: a node answers once a quorum runs), formats
 * new data directories with one cluster id and, in secure mode, the SCRAM user. When one node
 * fails, the others are stopped and the error names its log.
 */
export async function startNodes(
  kafka: KafkaPaths,
  settings: BrokerSettings[],
  log: Log,
  options: { material?: SecureMaterial; heap?: string } = {},
): Promise<ClusterStart> {
  mkdirSync(kafka.dir, { recursive: true });
  // Once, before the nodes: they would all run Maven at once on a first start.
  const { resolveMs } = await resolveKafkaClasspath(kafka, log);
  const count = settings.length;
  const paths = settings.map((s) => nodePaths(kafka, s.nodeId ?? 1, count));
  const clusterId = paths.map(clusterIdOf).find((id) => id !== undefined) ?? newClusterId();
  const heap = nodeHeap(count, options.heap);
  const scram = options.material && { username: options.material.username, password: options.material.password };
  writeFileSync(lastStartFile(kafka), `${JSON.stringify(settings)}\n`);
  const [results, startMs] = await timed(() =>
    Promise.allSettled(settings.map((s, i) => startBroker(paths[i], s, log, { clusterId, scram, heap }))),
  );
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) {
    await Promise.all(paths.map((p) => stopBroker(p)));
    throw failed.reason;
  }
  const nodes = results.map((r) => (r as PromiseFulfilledResult<BrokerStart>).value);
  const brokers = brokersOf(settings);
  // The group coordinator's topic needs its replicas (3 on a cluster): created here, not by a test.
  await warmGroupCoordinator(brokers, PLAINTEXT);
  return {
    nodes,
    brokers,
    ...(options.material ? { secureBrokers: brokersOf(settings, 'sasl_ssl') } : {}),
    resolveMs,
    formatMs: Math.max(...nodes.map((n) => n.formatMs)),
    startMs,
  };
}

/** Stops every node of ours (the single one and each `node-<id>`), in parallel, data kept. */
export async function stopNodes(kafka: KafkaPaths): Promise<StopOutcome> {
  const outcomes = await Promise.all(knownNodes(kafka).map((node) => stopBroker(node)));
  if (outcomes.includes('killed')) return 'killed';
  return outcomes.includes('stopped') ? 'stopped' : 'not-running';
}

/** A cluster's nodes are small: three of them fit where one default broker did. */
function nodeHeap(nodes: number, heap?: string): string | undefined {
  return heap ?? process.env.KAFKA_HEAP_OPTS ?? (nodes > 1 ? '-Xms128m -Xmx512m' : undefined);
}

function clusterIdOf(node: KafkaPaths): string | undefined {
  const meta = path.join(node.data, 'meta.properties');
  if (!existsSync(meta)) return undefined;
  return /^cluster\.id=(.+)$/m.exec(readFileSync(meta, 'utf8'))?.[1].trim();
}

export interface LocalKafkaOptions {
  /** Directory of its own for the nodes' data, logs and certificates (the jar cache is shared). */
  dir: string;
  /** 1 (default), 3 or 5 nodes. */
  nodes?: number;
  /** Adds the SASL_SSL listener (SCRAM-SHA-512/256, OAUTHBEARER) with certificates under `dir/secure`. */
  secure?: boolean;
  /** First port (node i takes port+3i .. port+3i+2); default: free ports the OS picks. */
  port?: number;
  /** Partitions of topics created without a count; default 6. */
  partitions?: number;
  /** JVM heap flags of each node; default `-Xms128m -Xmx512m` on a cluster. */
  heap?: string;
  log?: Log;
}

export interface LocalKafka {
  /** PLAINTEXT bootstrap servers. */
  brokers: string;
  /** SASL_SSL bootstrap servers (secure). */
  secureBrokers?: string;
  /** The variables a SASL_SSL SCRAM-SHA-512 client needs (secure); else `{ KAFKA_BROKERS }`. */
  clientEnv: Record<string, string>;
  /** The CA file, SCRAM user and password (secure). */
  material?: SecureMaterial;
  /** Pids of the nodes as first started. */
  pids: number[];
  startMs: number;
  /** Each node on its own, for fault tests (node `id` is `nodes[id - 1]`). */
  nodes: LocalKafkaNode[];
  /** Stops every node (SIGTERM); the data stays under `dir`. */
  stop(): Promise<StopOutcome>;
}

/** One node of a LocalKafka: crash it, stop it, start it again with its data and ports. */
export interface LocalKafkaNode {
  /** Its `node.id` (the broker id in metadata): 1, 2, 3… */
  id: number;
  /** Its own PLAINTEXT address. */
  broker: string;
  /** The running JVM's pid; undefined while it is down. */
  pid(): number | undefined;
  /** SIGKILL, no controlled shutdown (a crash); waits until the process is gone. */
  kill(): Promise<StopOutcome>;
  /** SIGTERM (a controlled shutdown; SIGKILL after 30 s). */
  stop(): Promise<StopOutcome>;
  /** Starts it again on its data and ports (a no-op while it runs); resolves once it answers metadata. */
  start(): Promise<void>;
}

function localNode(
  paths: KafkaPaths,
  settings: BrokerSettings,
  log: Log,
  options: { material?: SecureMaterial; heap?: string },
): LocalKafkaNode {
  const pid = () => {
    const p = readPidFile(paths.pid);
    return isOurProcess(p, paths.properties) ? p : undefined;
  };
  return {
    id: settings.nodeId ?? 1,
    broker: `127.0.0.1:${settings.port}`,
    pid,
    async kill() {
      const running = pid();
      if (running === undefined) return 'not-running';
      process.kill(running, 'SIGKILL');
      await waitForExit(running, 10_000);
      removeFile(paths.pid);
      return 'killed';
    },
    stop: () => stopBroker(paths),
    async start() {
      if (pid() !== undefined) return;
      const scram = options.material && { username: options.material.username, password: options.material.password };
      await startBroker(paths, settings, log, {
        clusterId: clusterIdOf(paths),
        scram,
        heap: nodeHeap(clusterSizeOf(settings), options.heap),
      });
    },
  };
}

/**
 * A Kafka cluster of its own, outside the shared stack (tests of clusters and secured
 * brokers): same jars as the stack, its own ports and directory. Not locked, not in stack.env.
 */
export async function startLocalKafka(options: LocalKafkaOptions): Promise<LocalKafka> {
  const log = options.log ?? stderrLog;
  const dir = path.resolve(options.dir);
  const kafka = pathsUnder(stackPaths().kafka, dir);
  mkdirSync(dir, { recursive: true });
  const mode: KafkaMode = { nodes: options.nodes ?? 1, security: options.secure ? 'sasl_ssl' : 'plaintext' };
  const env = {
    KAFKA_PORT: String(options.port ?? 9092),
    KAFKA_PARTITIONS: options.partitions === undefined ? '' : String(options.partitions),
  };
  const planned = await settingsFor(kafka, mode, env);
  const fixed = options.port !== undefined;
  const settings = await withFreeClusterPorts(planned.settings, fixed, log, !fixed);
  const start = await startNodes(kafka, settings, log, { material: planned.material, heap: options.heap });
  const clientEnv =
    start.secureBrokers && planned.material
      ? secureClientEnv(start.secureBrokers, planned.material)
      : { KAFKA_BROKERS: start.brokers };
  return {
    brokers: start.brokers,
    ...(start.secureBrokers ? { secureBrokers: start.secureBrokers } : {}),
    clientEnv,
    ...(planned.material ? { material: planned.material } : {}),
    pids: start.nodes.map((n) => n.pid),
    startMs: start.startMs,
    nodes: settings.map((s) =>
      localNode(nodePaths(kafka, s.nodeId ?? 1, settings.length), s, log, {
        material: planned.material,
        heap: options.heap,
      }),
    ),
    stop: () => stopNodes(kafka),
  };
}
