import { randomBytes } from 'node:crypto';

export interface BrokerSettings {
  /** PLAINTEXT client port. */
  port: number;
  controllerPort: number;
  dataDir: string;
  /** Partitions of a topic created without a count. */
  partitions: number;
  /** This node's id; default 1. */
  nodeId?: number;
  /** The KRaft quorum (every node is broker and controller); default this node alone. */
  voters?: Voter[];
  /** Port of the SASL_SSL listener (secure mode). */
  securePort?: number;
  /** ssl.keystore.location of the SASL_SSL listener: a PEM file with the key and the chain. */
  keystoreFile?: string;
}

export interface Voter {
  id: number;
  controllerPort: number;
}

/** Nodes of the cluster the settings belong to. */
export function clusterSizeOf(s: BrokerSettings): number {
  return s.voters?.length ?? 1;
}

/**
 * The settings of every node of a local cluster of `nodes` nodes from base port `port`: node i
 * (from 0) takes `port + 3i` (PLAINTEXT), `+1` (controller) and `+2` (SASL_SSL, secure mode).
 * One node keeps `controllerPort` (KAFKA_CONTROLLER_PORT) and `dataDir` itself; nodes of a
 * cluster get `<nodeDir(id)>/data`.
 */
export function clusterSettings(
  base: BrokerSettings,
  nodes: number,
  secure: { keystoreFile: string } | undefined,
  nodeDataDir: (id: number) => string,
): BrokerSettings[] {
  const ids = Array.from({ length: nodes }, (_, i) => i + 1);
  const portOf = (id: number) => base.port + 3 * (id - 1);
  const controllerOf = (id: number) => (nodes === 1 ? base.controllerPort : portOf(id) + 1);
  const voters = ids.map((id) => ({ id, controllerPort: controllerOf(id) }));
  return ids.map((id) => ({
    port: portOf(id),
    controllerPort: controllerOf(id),
    dataDir: nodes === 1 ? base.dataDir : nodeDataDir(id),
    partitions: base.partitions,
    nodeId: id,
    voters,
    ...(secure ? { securePort: portOf(id) + 2, keystoreFile: secure.keystoreFile } : {}),
  }));
}

/** Every port the settings listen on. */
export function portsOf(s: BrokerSettings): number[] {
  return [s.port, s.controllerPort, ...(s.securePort !== undefined ? [s.securePort] : [])];
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

// OAUTHBEARER with Kafka's built-in unsecured validator: the broker takes any `alg: none` JWT
// with a `sub` (the principal) and an `exp`; the broker's own login names "admin".
const OAUTHBEARER_JAAS =
  'org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required unsecuredLoginStringClaim_sub="admin";';
const SCRAM_JAAS = 'org.apache.kafka.common.security.scram.ScramLoginModule required;';

/**
 * A KRaft server.properties: each node is broker and controller; one node alone, or one of a
 * quorum of `voters`. With `securePort`, a SASL_SSL client listener (SCRAM-SHA-512,
 * SCRAM-SHA-256, OAUTHBEARER) beside the PLAINTEXT one; controller and inter-broker traffic
 * stay PLAINTEXT on loopback.
 */
export function serverProperties(s: BrokerSettings): string {
  const nodeId = s.nodeId ?? 1;
  const voters = s.voters ?? [{ id: nodeId, controllerPort: s.controllerPort }];
  const nodes = voters.length;
  // Internal topics: every node holds them when there are three or more (min.isr 2).
  const rf = Math.min(nodes, 3);
  const minIsr = rf >= 3 ? 2 : 1;
  const secure = s.securePort !== undefined;
  const listeners = [
    `PLAINTEXT://127.0.0.1:${s.port}`,
    `CONTROLLER://127.0.0.1:${s.controllerPort}`,
    ...(secure ? [`SASL_SSL://127.0.0.1:${s.securePort}`] : []),
  ];
  const advertised = [`PLAINTEXT://127.0.0.1:${s.port}`, ...(secure ? [`SASL_SSL://127.0.0.1:${s.securePort}`] : [])];
  const securityMap = ['CONTROLLER:PLAINTEXT', 'PLAINTEXT:PLAINTEXT', ...(secure ? ['SASL_SSL:SASL_SSL'] : [])];
  const secureBlock = !secure
    ? ''
    : `
# Secure mode: the SASL_SSL client listener (certificates and users made by scripts/stack).
listener.name.sasl_ssl.sasl.enabled.mechanisms=SCRAM-SHA-512,SCRAM-SHA-256,OAUTHBEARER
listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config=${SCRAM_JAAS}
listener.name.sasl_ssl.scram-sha-256.sasl.jaas.config=${SCRAM_JAAS}
listener.name.sasl_ssl.oauthbearer.sasl.jaas.config=${OAUTHBEARER_JAAS}
listener.name.sasl_ssl.ssl.keystore.type=PEM
listener.name.sasl_ssl.ssl.keystore.location=${s.keystoreFile}
listener.name.sasl_ssl.ssl.client.auth=none
`;
  return `# Written by scripts/stack at every broker start; edits here are lost.
# scripts/stack settings: ${JSON.stringify(s)}
process.roles=broker,controller
node.id=${nodeId}
controller.quorum.voters=${voters.map((v) => `${v.id}@127.0.0.1:${v.controllerPort}`).join(',')}
controller.listener.names=CONTROLLER
listeners=${listeners.join(',')}
advertised.listeners=${advertised.join(',')}
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=${securityMap.join(',')}
log.dirs=${s.dataDir}

# Topics are created explicitly (scripts/stack/kafka/topics.ts), never by a typo.
auto.create.topics.enable=false
num.partitions=${s.partitions}
default.replication.factor=${rf}

# Internal topics: one replica on one node; 3 replicas, min.insync.replicas 2 on a cluster.
offsets.topic.replication.factor=${rf}
transaction.state.log.replication.factor=${rf}
transaction.state.log.min.isr=${minIsr}
share.coordinator.state.topic.replication.factor=${rf}
share.coordinator.state.topic.min.isr=${minIsr}

# Fast for tests: few coordinator partitions load quickly, a new group starts at once,
# and fault tests may use short consumer session timeouts.
offsets.topic.num.partitions=6
transaction.state.log.num.partitions=6
group.initial.rebalance.delay.ms=0
group.min.session.timeout.ms=1000

# The default (128 MiB) would take most of a small heap at start.
log.cleaner.dedupe.buffer.size=2097152
${secureBlock}`;
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
  const written = /^# scripts\/stack settings: (\{.*\})$/m.exec(properties);
  if (written) {
    try {
      return JSON.parse(written[1]) as BrokerSettings;
    } catch {
      // An older or edited file: read its listeners below.
    }
  }
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
