/**
 * The Helm chart's values.schema.json, written from this file and the services' configuration
 * specs (apps/<name>/src/config.ts): a service's `env` accepts exactly the plain variables that
 * service reads and the chart does not set itself, and `secrets` exactly the secret ones, so a
 * misspelt or misplaced variable fails `helm lint`, `template` and `install` with its name.
 * `npm run chart:files` writes it; deploy/helm/chart.spec.ts fails when it is out of date.
 */
import { join } from 'node:path';
import { ingestEnv } from '../../apps/ingest/src/config';
import { schedulerEnv } from '../../apps/scheduler/src/config';
import { senderEnv } from '../../apps/sender/src/config';
import { DATABASE_SSL_MODES, KAFKA_SASL_MECHANISMS, KAFKA_SECURITY_PROTOCOLS } from '../../libs/config/src/connections';

export const CHART_SCHEMA_FILE = join(__dirname, '../../deploy/helm/cart-recovery/values.schema.json');

export const SERVICE_ENV = { ingest: ingestEnv, scheduler: schedulerEnv, sender: senderEnv } as const;
export type ServiceName = keyof typeof SERVICE_ENV;

/**
 * Variables the chart sets from its structured values (kafka.*, database.*, secrets.*,
 * migrations.mode, <service>.httpPort): a service's `env` may not set them too.
 */
export const CHART_OWNED = [
  'KAFKA_BROKERS',
  'TOPIC_PREFIX',
  'KAFKA_SECURITY_PROTOCOL',
  'KAFKA_SASL_MECHANISM',
  'KAFKA_SASL_USERNAME',
  'KAFKA_SASL_OAUTHBEARER_TOKEN_FILE',
  'KAFKA_SSL_CA_FILE',
  'KAFKA_SSL_CERT_FILE',
  'KAFKA_SSL_KEY_FILE',
  'KAFKA_SSL_REJECT_UNAUTHORIZED',
  'DATABASE_SSL_MODE',
  'DATABASE_SSL_CA_FILE',
  'DATABASE_SSL_CERT_FILE',
  'DATABASE_SSL_KEY_FILE',
  'DATABASE_POOL_SIZE',
  'MIGRATIONS_RUN',
  'HTTP_PORT',
  'HTTP_HOST',
];

type Spec = Record<string, { secret?: boolean; description: string }>;

export function secretVariables(spec: Spec): string[] {
  return Object.keys(spec).filter((name) => spec[name].secret);
}

export const CHART_SECRET_VARIABLES_FILE = join(
  __dirname,
  '../../deploy/helm/cart-recovery/files/secret-variables.json',
);

/**
 * files/secret-variables.json: per service, the secret variables its configuration reads, as
 * the chart's templates mount them (each as <NAME>_FILE, when the Secret holds it). The sender
 * holds the platform's keys too: they open its part of a shopper's access request
 * (GET /v1/shoppers/{phone}/data, which ingest asks with the key it was called with) and
 * nothing else there.
 */
export function chartSecretVariables(): string {
  const out = Object.fromEntries(
    (Object.keys(SERVICE_ENV) as ServiceName[]).map((service) => [service, secretVariables(SERVICE_ENV[service])]),
  );
  return `${JSON.stringify(out, null, 2)}\n`;
}

/** The variables a service's `env` block accepts. */
export function plainVariables(spec: Spec): string[] {
  return Object.keys(spec).filter((name) => !spec[name].secret && !CHART_OWNED.includes(name));
}

type Schema = Record<string, unknown>;
const str = (extra: Schema = {}): Schema => ({ type: 'string', ...extra });
const int = (minimum?: number, maximum?: number): Schema => ({
  type: 'integer',
  ...(minimum !== undefined ? { minimum } : {}),
  ...(maximum !== undefined ? { maximum } : {}),
});
const bool: Schema = { type: 'boolean' };
const oneOf = (values: readonly string[]): Schema => ({ type: 'string', enum: [...values] });
/** A closed object: a key that is not listed fails. */
const obj = (properties: Record<string, Schema>, required: string[] = []): Schema => ({
  type: 'object',
  additionalProperties: false,
  properties,
  ...(required.length ? { required } : {}),
});
/** An object handed to Kubernetes as it is (resources, affinity…). */
const free = (description: string): Schema => ({ type: 'object', description });
const list = (items: Schema = {}): Schema => ({ type: 'array', items });
const quantity: Schema = { type: ['string', 'integer', 'number'] };
const labels: Schema = { type: 'object', additionalProperties: { type: 'string' } };

const envValue: Schema = { type: ['string', 'integer', 'number', 'boolean'] };
const envOf = (names: string[], description: string): Schema => ({
  type: 'object',
  description,
  propertyNames: { enum: names },
  additionalProperties: envValue,
});

const probe = obj({
  periodSeconds: int(1),
  timeoutSeconds: int(1),
  failureThreshold: int(1),
});

function serviceSchema(name: ServiceName): Schema {
  return obj({
    enabled: bool,
    replicas: int(0),
    autoscaling: obj(
      {
        minReplicas: int(1),
        maxReplicas: int(1),
        lagThreshold: int(1),
        activationLagThreshold: int(0),
      },
      ['minReplicas', 'maxReplicas', 'lagThreshold'],
    ),
    resources: obj({
      requests: obj({ cpu: quantity, memory: quantity, 'ephemeral-storage': quantity }),
      limits: obj({ cpu: quantity, memory: quantity, 'ephemeral-storage': quantity }),
    }),
    nodeOptions: str(),
    env: envOf(
      plainVariables(SERVICE_ENV[name]),
      `Plain variables of ${name} (docs/${name}.md); the connection and secret ones are set by the chart`,
    ),
    httpPort: int(1, 65535),
    preStopSleepSeconds: int(0, 60),
    terminationGracePeriodSeconds: { type: ['integer', 'null'], minimum: 1 },
    pdb: {
      type: 'object',
      additionalProperties: false,
      properties: { enabled: bool, maxUnavailable: quantity, minAvailable: quantity },
    },
    topologySpreadConstraints: list({ type: 'object' }),
    podAnnotations: labels,
    podLabels: labels,
    nodeSelector: labels,
    tolerations: list({ type: 'object' }),
    affinity: free('Pod affinity, as Kubernetes takes it'),
    priorityClassName: str(),
    extraVolumes: list({ type: 'object' }),
    extraVolumeMounts: list({ type: 'object' }),
    extraContainers: list({ type: 'object' }),
    probes: obj({ startup: probe, readiness: probe, liveness: probe }, ['startup', 'readiness', 'liveness']),
  });
}

export function chartSchema(): Schema {
  const secretNames = [...new Set(Object.values(SERVICE_ENV).flatMap(secretVariables))];
  const commonPlain = plainVariables(SERVICE_ENV.ingest).filter((n) =>
    Object.values(SERVICE_ENV).every((spec) => n in spec),
  );
  const tlsFiles = (extra: Record<string, Schema> = {}) =>
    obj({ secretName: str(), caKey: str(), certKey: str(), keyKey: str(), ...extra });
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    $comment: 'Generated by `npm run chart:files` (scripts/helm/chart-schema.ts); do not edit.',
    title: 'cart-recovery chart values',
    ...obj({
      global: { type: 'object' },
      nameOverride: str(),
      fullnameOverride: str(),
      commonLabels: labels,
      image: obj({
        repository: str({ minLength: 1 }),
        tag: { type: ['string', 'number'] },
        digest: str({ pattern: '^$|^sha256:[a-f0-9]{64}$' }),
        pullPolicy: oneOf(['Always', 'IfNotPresent', 'Never']),
      }),
      imagePullSecrets: list({ type: 'object', properties: { name: str() }, required: ['name'] }),
      serviceAccount: obj({ create: bool, name: str(), annotations: labels }),
      podSecurityContext: free('Pod securityContext of every workload'),
      securityContext: free('Container securityContext of every workload'),
      config: obj({
        logLevel: oneOf(['fatal', 'error', 'warn', 'info', 'debug', 'trace']),
        shutdownTimeoutMs: int(1000),
        env: envOf(commonPlain, 'Plain variables every service reads'),
      }),
      kafka: obj({
        brokers: list(str({ pattern: '^[^,\\s]+:[0-9]+$' })),
        topicPrefix: str({ pattern: '^[A-Za-z0-9._-]*$' }),
        securityProtocol: oneOf(KAFKA_SECURITY_PROTOCOLS),
        sasl: obj({
          mechanism: oneOf(['', ...KAFKA_SASL_MECHANISMS]),
          username: str(),
          oauthbearer: obj({
            serviceAccountToken: obj({ enabled: bool, audience: str(), expirationSeconds: int(600) }),
            tokenFile: str({ pattern: '^$|^/' }),
          }),
        }),
        tls: tlsFiles({ rejectUnauthorized: bool }),
      }),
      database: obj({
        sslMode: oneOf(DATABASE_SSL_MODES),
        tls: tlsFiles(),
        poolSize: int(1, 200),
      }),
      secrets: obj({
        existingSecret: str(),
        existingSecretKeys: list(oneOf(secretNames)),
        values: obj(Object.fromEntries(secretNames.map((n) => [n, str()]))),
      }),
      migrations: obj({
        mode: oneOf(['hook', 'startup']),
        backoffLimit: int(0),
        activeDeadlineSeconds: int(1),
        resources: free('Resources of the migration Jobs'),
      }),
      topics: obj({
        create: bool,
        hook: bool,
        partitions: int(1, 10_000),
        clusterBrokers: int(1),
        extraConfig: { type: 'object', additionalProperties: { type: ['string', 'integer'] } },
        dlqExtraConfig: { type: 'object', additionalProperties: { type: ['string', 'integer'] } },
        image: obj({
          repository: str({ minLength: 1 }),
          tag: str(),
          pullPolicy: oneOf(['Always', 'IfNotPresent', 'Never']),
        }),
        backoffLimit: int(0),
        activeDeadlineSeconds: int(1),
        resources: free('Resources of the topic Job'),
      }),
      autoscaling: obj({
        mode: oneOf(['keda', 'hpa', 'none']),
        keda: obj({
          pollingInterval: int(1),
          cooldownPeriod: int(0),
          oauthbearer: obj({
            tokenEndpointUri: str(),
            scopes: str(),
            secretName: str(),
            clientIdKey: str(),
            clientSecretKey: str(),
          }),
          podIdentity: free("TriggerAuthentication's podIdentity, as KEDA takes it"),
          extraMetadata: { type: 'object', additionalProperties: { type: ['string', 'integer', 'boolean'] } },
        }),
        hpa: obj({ targetCPUUtilizationPercentage: int(1, 100) }),
      }),
      service: obj({ type: oneOf(['ClusterIP', 'NodePort', 'LoadBalancer']), annotations: labels }),
      ingress: obj({
        enabled: bool,
        className: str(),
        annotations: labels,
        host: str({ minLength: 1 }),
        tls: list({ type: 'object' }),
      }),
      metrics: obj({
        serviceMonitor: obj({ enabled: bool, interval: str(), scrapeTimeout: str(), labels }),
        prometheusRule: obj({ enabled: bool, labels }),
      }),
      networkPolicy: obj({
        enabled: bool,
        ingressFrom: list({ type: 'object' }),
        statsFrom: list({ type: 'object' }),
        metricsFrom: list({ type: 'object' }),
      }),
      ingest: serviceSchema('ingest'),
      scheduler: serviceSchema('scheduler'),
      sender: serviceSchema('sender'),
    }),
  };
}

/** The file's text, formatted as prettier formats it (the repository's lint checks that). */
export async function chartSchemaText(): Promise<string> {
  const prettier = await import('prettier');
  const options = (await prettier.resolveConfig(CHART_SCHEMA_FILE)) ?? {};
  return prettier.format(JSON.stringify(chartSchema()), { ...options, filepath: CHART_SCHEMA_FILE });
}
