import { execFile } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import type { StackPaths } from '../paths';
import {
  freePort,
  isOurProcess,
  portAnswers,
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
import { log4j2Xml, newClusterId, portOfProperties, serverProperties, type BrokerSettings } from './config';

const run = promisify(execFile);
const START_TIMEOUT_MS = 90_000;
// A KRaft broker shuts down in about 2 s here; past this it is killed.
const STOP_GRACE_MS = 30_000;

type KafkaPaths = StackPaths['kafka'];

export interface RunningBroker {
  pid: number;
  brokers: string;
}

export interface BrokerStart extends RunningBroker {
  resolveMs: number;
  /** 0 when the data directory was formatted already. */
  formatMs: number;
  startMs: number;
}

/** The broker that a previous start left running, if its pid file still names it. */
export function runningBroker(paths: KafkaPaths): RunningBroker | undefined {
  const pid = readPidFile(paths.pid);
  // Our broker's command line names our server.properties.
  if (!isOurProcess(pid, paths.properties)) return undefined;
  const port = portOfProperties(readFileSync(paths.properties, 'utf8'));
  return port === undefined ? undefined : { pid, brokers: `127.0.0.1:${port}` };
}

/** Starts the broker detached, keeping any data it had, and waits until it answers metadata. */
export async function startBroker(paths: KafkaPaths, settings: BrokerSettings, log: Log): Promise<BrokerStart> {
  mkdirSync(paths.data, { recursive: true });
  const { classpath, resolveMs } = await resolveKafkaClasspath(paths, log);

  writeFileSync(paths.properties, serverProperties(settings));
  writeFileSync(paths.log4j, log4j2Xml);
  const [formatted, formatMs] = await timed(() => formatStorage(paths, classpath));

  log(`starting Kafka on 127.0.0.1:${settings.port} (log: ${paths.log})`);
  appendFileSync(paths.log, `--- scripts/stack: broker start at ${new Date().toISOString()} ---\n`);
  const child = spawnDetached(
    javaBinary(),
    [...jvmOptions(paths), '-cp', classpath, 'kafka.Kafka', paths.properties],
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
      await waitForMetadata(brokers, () => !exited && isOurProcess(child.pid, paths.properties), START_TIMEOUT_MS);
    } catch (error) {
      await stopProcess(child.pid!, 'SIGKILL', 5_000);
      removeFile(paths.pid);
      throw new Error(
        `Kafka did not start: ${(error as Error).message}. Last lines of ${paths.log}:\n${tailOf(paths.log)}`,
      );
    }
  });
  return { pid: child.pid, brokers, resolveMs, formatMs: formatted ? formatMs : 0, startMs };
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

/**
 * The settings with ports that are free. Ports given explicitly (KAFKA_PORT, or a restart on
 * the ports the data was used with) must be free; the defaults give way to free ports, so a
 * broker of another checkout on 9092 does not stop this one from starting.
 */
export async function withFreePorts(s: BrokerSettings, fixed: boolean, log: Log): Promise<BrokerSettings> {
  const busyPorts = [];
  for (const port of [s.port, s.controllerPort]) if (await portAnswers(port)) busyPorts.push(port);
  if (busyPorts.length === 0) return s;
  const busy = busyPorts.length === 1 ? `port ${busyPorts[0]} is` : `ports ${busyPorts.join(' and ')} are`;
  if (fixed) {
    throw new Error(
      `${busy} taken by a process the stack did not start. Use that cluster with ` +
        `KAFKA_BROKERS=127.0.0.1:${s.port}, or pick other ports with KAFKA_PORT / KAFKA_CONTROLLER_PORT.`,
    );
  }
  const port = await freePort(0);
  let controllerPort = await freePort(0);
  while (controllerPort === port) controllerPort = await freePort(0);
  log(`${busy} taken by another process: using ${port} (controller ${controllerPort})`);
  return { ...s, port, controllerPort };
}

// Formats the data directory once; a formatted one keeps its cluster id and topics.
async function formatStorage(paths: KafkaPaths, classpath: string): Promise<boolean> {
  if (existsSync(path.join(paths.data, 'meta.properties'))) return false;
  const args = ['-cp', classpath, `-Dlog4j2.configurationFile=${paths.log4j}`, 'kafka.tools.StorageTool'];
  try {
    await run(javaBinary(), [...args, 'format', '-t', newClusterId(), '-c', paths.properties, '--ignore-formatted']);
  } catch (error) {
    const e = error as Error & { stdout?: string; stderr?: string };
    throw new Error(`formatting ${paths.data} failed: ${e.message}\n${e.stdout ?? ''}${e.stderr ?? ''}`);
  }
  return true;
}

function jvmOptions(paths: KafkaPaths): string[] {
  // Always a fixed heap: without -Xmx the JVM takes a quarter of the machine's memory.
  const heap = (process.env.KAFKA_HEAP_OPTS ?? '-Xms256m -Xmx768m').split(/\s+/).filter(Boolean);
  return [...heap, '-XX:+UseG1GC', '-XX:+ExitOnOutOfMemoryError', `-Dlog4j2.configurationFile=${paths.log4j}`];
}

function javaBinary(): string {
  return process.env.JAVA_HOME ? path.join(process.env.JAVA_HOME, 'bin', 'java') : 'java';
}
