import { randomBytes } from 'node:crypto';

export interface BrokerSettings {
  port: number;
  controllerPort: number;
  dataDir: string;
  /** Partitions of a topic created without a count. */
  partitions: number;
}

export function brokerSettingsFromEnv(dataDir: string, env = process.env): BrokerSettings {
  const port = intFromEnv(env, 'KAFKA_PORT', 9092);
  return {
    port,
    controllerPort: intFromEnv(env, 'KAFKA_CONTROLLER_PORT', port + 1),
    dataDir,
    partitions: intFromEnv(env, 'KAFKA_PARTITIONS', 6),
  };
}

export function intFromEnv(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value <= 0) throw new Error(`${name} must be a positive integer, got "${raw}"`);
  return value;
}

/** A single-node KRaft server.properties: one process is broker and controller. */
export function serverProperties(s: BrokerSettings): string {
  return `# Written by scripts/stack at every broker start; edits here are lost.
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:${s.controllerPort}
controller.listener.names=CONTROLLER
listeners=PLAINTEXT://127.0.0.1:${s.port},CONTROLLER://127.0.0.1:${s.controllerPort}
advertised.listeners=PLAINTEXT://127.0.0.1:${s.port}
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs=${s.dataDir}

# Topics are created explicitly (scripts/stack/kafka/topics.ts), never by a typo.
auto.create.topics.enable=false
num.partitions=${s.partitions}

# One node: every internal topic has one replica.
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1

# Fast for tests: few coordinator partitions load quickly, a new group starts at once,
# and fault tests may use short consumer session timeouts.
offsets.topic.num.partitions=6
transaction.state.log.num.partitions=6
group.initial.rebalance.delay.ms=0
group.min.session.timeout.ms=1000

# The default (128 MiB) would take most of a small heap at start.
log.cleaner.dedupe.buffer.size=2097152
`;
}

/**
 * Console-only logging (the launcher sends it to broker.log): warnings, plus the
 * "Kafka Server started" line. Kafka's stock files would write under ${kafka.logs.dir}.
 * shutdownHook=disable: the broker stops log4j itself; log4j's own hook only warns at exit.
 */
export const log4j2Xml = `<?xml version="1.0" encoding="UTF-8"?>
<!-- Written by scripts/stack. -->
<Configuration status="WARN" shutdownHook="disable">
  <Appenders>
    <Console name="stdout" target="SYSTEM_OUT">
      <PatternLayout pattern="[%d] %p %m (%c)%n"/>
    </Console>
  </Appenders>
  <Loggers>
    <Root level="WARN"><AppenderRef ref="stdout"/></Root>
    <Logger name="kafka.server.KafkaRaftServer" level="INFO"/>
  </Loggers>
</Configuration>
`;

/**
 * A cluster id as Kafka's `kafka-storage random-uuid` makes one (16 random bytes,
 * URL-safe base64 without padding, never starting with "-"), without a JVM start.
 */
export function newClusterId(): string {
  for (;;) {
    const id = randomBytes(16).toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}

/** The client port a server.properties of ours listens on. */
export function portOfProperties(properties: string): number | undefined {
  return settingsOfProperties(properties, '')?.port;
}

/** The settings a server.properties of ours was written with, to restart on the same ports. */
export function settingsOfProperties(properties: string, dataDir: string): BrokerSettings | undefined {
  const listeners = /^listeners=PLAINTEXT:\/\/[^:]+:(\d+),CONTROLLER:\/\/[^:]+:(\d+)/m.exec(properties);
  const partitions = /^num.partitions=(\d+)/m.exec(properties);
  if (!listeners || !partitions) return undefined;
  return {
    port: Number(listeners[1]),
    controllerPort: Number(listeners[2]),
    dataDir,
    partitions: Number(partitions[1]),
  };
}
