import { execFile } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { BrokerSettings } from './kafka/config';
import type { Log } from './progress';

/*
 * The Docker alternative: Kafka and PostgreSQL as containers through testcontainers, used
 * only when a Docker engine answers. Containers are started with reuse, which keeps them
 * out of the testcontainers reaper, so they outlive `stack:up` like the local processes;
 * their ids go to .stack/containers.json for `stack:down`.
 */

// The image docker-compose.yml uses, so both Docker paths run the same broker.
const KAFKA_IMAGE = 'apache/kafka:4.1.1';
const POSTGRES_IMAGE = 'postgres:17';

interface ContainerIds {
  kafka?: string;
  kafkaBrokers?: string;
  postgres?: string;
}

/** True when `docker info` answers within a few seconds (a CLI without an engine fails fast). */
export function dockerAnswers(): Promise<boolean> {
  return new Promise((resolve) => {
    execFile('docker', ['info', '--format', '{{.ServerVersion}}'], { timeout: 5_000 }, (error) => resolve(!error));
  });
}

export async function kafkaContainer(file: string, s: BrokerSettings, log: Log): Promise<string> {
  const { GenericContainer, Wait } = await import('testcontainers');
  log(`starting Kafka in Docker (${KAFKA_IMAGE}) on 127.0.0.1:${s.port}`);
  const container = await new GenericContainer(KAFKA_IMAGE)
    .withEnvironment({
      KAFKA_NODE_ID: '1',
      KAFKA_PROCESS_ROLES: 'broker,controller',
      KAFKA_LISTENERS: 'PLAINTEXT://:9092,CONTROLLER://:9093',
      // The host port is fixed so that the advertised address is known before the start.
      KAFKA_ADVERTISED_LISTENERS: `PLAINTEXT://127.0.0.1:${s.port}`,
      KAFKA_CONTROLLER_LISTENER_NAMES: 'CONTROLLER',
      KAFKA_LISTENER_SECURITY_PROTOCOL_MAP: 'CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT',
      KAFKA_CONTROLLER_QUORUM_VOTERS: '1@localhost:9093',
      KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR: '1',
      KAFKA_OFFSETS_TOPIC_NUM_PARTITIONS: '6',
      KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR: '1',
      KAFKA_TRANSACTION_STATE_LOG_MIN_ISR: '1',
      KAFKA_SHARE_COORDINATOR_STATE_TOPIC_REPLICATION_FACTOR: '1',
      KAFKA_SHARE_COORDINATOR_STATE_TOPIC_MIN_ISR: '1',
      KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS: '0',
      KAFKA_GROUP_MIN_SESSION_TIMEOUT_MS: '1000',
      KAFKA_AUTO_CREATE_TOPICS_ENABLE: 'false',
      KAFKA_NUM_PARTITIONS: String(s.partitions),
    })
    .withExposedPorts({ container: 9092, host: s.port })
    .withWaitStrategy(Wait.forLogMessage(/Kafka Server started/))
    .withStartupTimeout(120_000)
    .withReuse()
    .start();
  const kafkaBrokers = `127.0.0.1:${s.port}`;
  saveIds(file, { ...loadIds(file), kafka: container.getId(), kafkaBrokers });
  return kafkaBrokers;
}

export async function postgresContainer(file: string, database: string, log: Log): Promise<string> {
  const { GenericContainer, Wait } = await import('testcontainers');
  log(`starting PostgreSQL in Docker (${POSTGRES_IMAGE})`);
  const container = await new GenericContainer(POSTGRES_IMAGE)
    .withEnvironment({ POSTGRES_HOST_AUTH_METHOD: 'trust', POSTGRES_DB: database })
    .withExposedPorts(5432)
    // The image's init step starts the server once before the real start.
    .withWaitStrategy(Wait.forLogMessage(/database system is ready to accept connections/, 2))
    .withStartupTimeout(120_000)
    .withReuse()
    .start();
  saveIds(file, { ...loadIds(file), postgres: container.getId() });
  return `postgres://postgres@${container.getHost()}:${container.getMappedPort(5432)}/${database}`;
}

/** True when containers.json names a container of that kind (a later `up` reuses it). */
export function hasContainer(file: string, kind: 'kafka' | 'postgres'): boolean {
  return Boolean(loadIds(file)[kind]);
}

/** The Kafka container that `stack:up` started, if any. */
export function kafkaContainerOf(file: string): { id: string; brokers: string } | undefined {
  const { kafka, kafkaBrokers } = loadIds(file);
  return kafka && kafkaBrokers ? { id: kafka, brokers: kafkaBrokers } : undefined;
}

/** Stops (and keeps) or starts again the Kafka container, for fault tests. */
export async function setKafkaContainerRunning(id: string, running: boolean): Promise<void> {
  const { getContainerRuntimeClient } = await import('testcontainers');
  const client = await getContainerRuntimeClient();
  const container = client.container.getById(id);
  if (running) await client.container.start(container);
  else await client.container.stop(container, { timeout: 30 });
}

/** Removes the containers that `stack:up` started; returns how many. */
export async function removeContainers(file: string): Promise<number> {
  const { kafka, postgres } = loadIds(file);
  const ids = [kafka, postgres].filter((id): id is string => Boolean(id));
  if (ids.length > 0) {
    const { getContainerRuntimeClient } = await import('testcontainers');
    const client = await getContainerRuntimeClient();
    for (const id of ids) {
      const container = client.container.getById(id);
      await client.container.stop(container, { timeout: 30 }).catch(() => undefined);
      await client.container.remove(container, { removeVolumes: true }).catch(() => undefined);
    }
  }
  rmSync(file, { force: true });
  return ids.length;
}

function loadIds(file: string): ContainerIds {
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as ContainerIds) : {};
}

function saveIds(file: string, ids: ContainerIds): void {
  writeFileSync(file, `${JSON.stringify(ids, null, 2)}\n`);
}
