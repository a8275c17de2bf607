import { execFile } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import type { StackPaths } from '../paths';
import {
  isOurProcess,
  readPidFile,
  removeFile,
  spawnDetached,
  stopProcess,
  tailOf,
  writePidFile,
  type StopOutcome,
} from '../processes';
import { timed, type Log } from '../progress';
import { resolveKafkaClasspath } from './classpath';
import { waitForMetadata } from './client';
import { log4j2Xml, newClusterId, serverProperties, type BrokerSettings } from './config';

const run = promisify(execFile);
const START_TIMEOUT_MS = 90_000;
// A KRaft broker shuts down in about 2 s here; past this it is killed.
const STOP_GRACE_MS = 30_000;

type KafkaPaths = StackPaths['kafka'];

export interface BrokerStart {
  pid: number;
  brokers: string;
  resolveMs: number;
  /** 0 when the data directory was formatted already. */
  formatMs: number;
  startMs: number;
}

export interface StartOptions {
  /** The cluster id to format a new data directory with (every node of a cluster shares one). */
  clusterId?: string;
  /** SCRAM user to create (SCRAM-SHA-512 and SCRAM-SHA-256) when the node has a SASL_SSL listener. */
  scram?: { username: string; password: string };
  /** JVM heap flags; default KAFKA_HEAP_OPTS or `-Xms256m -Xmx768m`. */
  heap?: string;
}

/** Starts the broker detached, keeping any data it had, and waits until it answers metadata. */
export async function startBroker(
  paths: KafkaPaths,
  settings: BrokerSettings,
  log: Log,
  options: StartOptions = {},
): Promise<BrokerStart> {
  mkdirSync(paths.data, { recursive: true });
  const { classpath, resolveMs } = await resolveKafkaClasspath(paths, log);

  writeFileSync(paths.properties, serverProperties(settings));
  writeFileSync(paths.log4j, log4j2Xml);
  const scram = settings.securePort !== undefined ? options.scram : undefined;
  const [formatted, formatMs] = await timed(() => formatStorage(paths, classpath, options.clusterId, scram));

  const secure = settings.securePort !== undefined ? `, SASL_SSL on ${settings.securePort}` : '';
  log(`starting Kafka node ${settings.nodeId ?? 1} on 127.0.0.1:${settings.port}${secure} (log: ${paths.log})`);
  appendFileSync(paths.log, `--- scripts/stack: broker start at ${new Date().toISOString()} ---\n`);
  const child = spawnDetached(
    javaBinary(),
    [...jvmOptions(paths, options.heap), '-cp', classpath, 'kafka.Kafka', paths.properties],
    paths.log,
    {
      cwd: paths.dir,
    },
  );
  if (child.pid === undefined) throw new Error(`could not start ${javaBinary()}`);
  writePidFile(paths.pid, child.pid);
  let exited = false;
  child.once('exit', () => (exited = true));

  const brokers = `127.0.0.1:${settings.port}`;
  const [, startMs] = await timed(async () => {
    try {
      await waitForMetadata(brokers, () => !exited && isOurProcess(child.pid, paths.properties), START_TIMEOUT_MS, {
        protocol: 'PLAINTEXT',
      });
    } catch (error) {
      await stopProcess(child.pid!, 'SIGKILL', 5_000);
      removeFile(paths.pid);
      throw new Error(
        `Kafka did not start: ${(error as Error).message}. Last lines of ${paths.log}:\n${tailOf(paths.log)}`,
      );
    }
  });
  if (scram && !existsSync(scramMarker(paths))) {
    // Data formatted before the secure mode was asked for: the users come through the admin API.
    await addScramUsers(classpath, paths, brokers, scram);
  }
  return { pid: child.pid, brokers, resolveMs, formatMs: formatted ? formatMs : 0, startMs };
}

const SCRAM_MECHANISMS = ['SCRAM-SHA-512', 'SCRAM-SHA-256'] as const;

// Written once the node's metadata holds the SCRAM user (at format time or through the admin API).
function scramMarker(paths: KafkaPaths): string {
  return path.join(paths.dir, 'scram-user');
}

async function addScramUsers(
  classpath: string,
  paths: KafkaPaths,
  brokers: string,
  scram: { username: string; password: string },
): Promise<void> {
  const credentials = SCRAM_MECHANISMS.map((m) => `${m}=[iterations=8192,password=${scram.password}]`).join(',');
  const args = ['-cp', classpath, `-Dlog4j2.configurationFile=${paths.log4j}`, 'kafka.admin.ConfigCommand'];
  try {
    await run(javaBinary(), [
      ...args,
      '--bootstrap-server',
      brokers,
      '--alter',
      '--entity-type',
      'users',
      '--entity-name',
      scram.username,
      '--add-config',
      credentials,
    ]);
  } catch (error) {
    const e = error as Error & { stdout?: string; stderr?: string };
    throw new Error(`creating the SCRAM user failed: ${e.message.split('\n')[0]}\n${e.stderr ?? ''}`);
  }
  writeFileSync(scramMarker(paths), `${scram.username}\n`);
}

/** Stops the broker that our pid file names (SIGTERM: a controlled shutdown), keeping its data. */
export async function stopBroker(paths: KafkaPaths): Promise<StopOutcome> {
  const pid = readPidFile(paths.pid);
  const outcome = isOurProcess(pid, paths.properties)
    ? await stopProcess(pid, 'SIGTERM', STOP_GRACE_MS)
    : 'not-running';
  removeFile(paths.pid);
  return outcome;
}

// Formats the data directory once; a formatted one keeps its cluster id and topics.
async function formatStorage(
  paths: KafkaPaths,
  classpath: string,
  clusterId = newClusterId(),
  scram?: { username: string; password: string },
): Promise<boolean> {
  if (existsSync(path.join(paths.data, 'meta.properties'))) return false;
  const args = ['-cp', classpath, `-Dlog4j2.configurationFile=${paths.log4j}`, 'kafka.tools.StorageTool'];
  const users = scram
    ? SCRAM_MECHANISMS.flatMap((m) => ['--add-scram', `${m}=[name=${scram.username},password=${scram.password}]`])
    : [];
  try {
    await run(javaBinary(), [
      ...args,
      'format',
      '-t',
      clusterId,
      '-c',
      paths.properties,
      '--ignore-formatted',
      ...users,
    ]);
    if (scram) writeFileSync(scramMarker(paths), `${scram.username}\n`);
    else removeFile(scramMarker(paths));
  } catch (error) {
    const e = error as Error & { stdout?: string; stderr?: string };
    throw new Error(`formatting ${paths.data} failed: ${e.message}\n${e.stdout ?? ''}${e.stderr ?? ''}`);
  }
  return true;
}

function jvmOptions(paths: KafkaPaths, heapOpts?: string): string[] {
  // Always a fixed heap: without -Xmx the JVM takes a quarter of the machine's memory.
  const heap = (heapOpts ?? process.env.KAFKA_HEAP_OPTS ?? '-Xms256m -Xmx768m').split(/\s+/).filter(Boolean);
  return [...heap, '-XX:+UseG1GC', '-XX:+ExitOnOutOfMemoryError', `-Dlog4j2.configurationFile=${paths.log4j}`];
}

function javaBinary(): string {
  return process.env.JAVA_HOME ? path.join(process.env.JAVA_HOME, 'bin', 'java') : 'java';
}
