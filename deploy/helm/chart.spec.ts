import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { allTopics, TOPIC } from '@lib/contracts';
import { HealthController } from '../../libs/observability/src/nest/health.controller';
import { CHART_OWNED, SERVICE_ENV, secretVariables, type ServiceName } from '../../scripts/helm/chart-schema';
import { deployedNodeOptions } from '../../test/support/services';
import { CHART, ROOT, helm, render, validate, type K8sObject } from './chart-render';

// The chart rendered by the real helm binary, for the default values and each values file, and
// for settings that take the other branches of the templates (SASL, mutual TLS, OAUTHBEARER,
// HPA, migrations at start-up). No cluster here: what a cluster would run is checked by the
// schemas and by the invariants below.

const SERVICES: ServiceName[] = ['ingest', 'scheduler', 'sender'];
const dir = mkdtempSync(join(tmpdir(), 'chart-spec-'));
const valuesFile = (name: string, values: unknown) => {
  const path = join(dir, `${name}.yaml`);
  writeFileSync(path, stringify(values));
  return path;
};

/** Values that must never be rendered anywhere but in a Secret. */
const SECRETS = {
  DATABASE_URL: 'postgres://cart:db-pw-7731@db.internal:5432/cart',
  API_KEYS: 'api-key-7731,api-key-7732',
  KAFKA_SASL_PASSWORD: 'kafka-pw-"7731"\\x',
  WHATSAPP_APP_SECRET: 'app-secret-7731',
  WHATSAPP_VERIFY_TOKEN: 'verify-token-7731',
  SECRETS_ENCRYPTION_KEYS: `k-7731:${Buffer.alloc(32, 'chart-spec-7731').toString('base64')}`,
  ERASURE_HASH_KEY: Buffer.alloc(32, 'erasure-7731').toString('base64'),
  CONSOLE_SIGNING_KEYS: `c-7731:${Buffer.alloc(32, 'console-7731').toString('base64')}`,
  LINK_SIGNING_KEYS: `l-7731:${Buffer.alloc(32, 'link-7731').toString('base64')}`,
  EXPERIMENT_ASSIGNMENT_KEY: 'experiment-key-7731-experiment-key-7731',
};

interface Case {
  args: string[];
  /** topics.clusterBrokers of the case: the replication layout the contracts give. */
  clusterBrokers: number;
  secrets: string[];
}

const REQUIRED = valuesFile('required', {
  kafka: { brokers: ['kafka:9092'] },
  secrets: { values: { DATABASE_URL: SECRETS.DATABASE_URL, SECRETS_ENCRYPTION_KEYS: SECRETS.SECRETS_ENCRYPTION_KEYS } },
});
const CASES: Record<string, Case> = {
  'default values (and the two required ones)': {
    args: ['-f', REQUIRED],
    clusterBrokers: 3,
    secrets: [SECRETS.DATABASE_URL, SECRETS.SECRETS_ENCRYPTION_KEYS],
  },
  'values-local.yaml': {
    args: ['-f', join(CHART, 'values-local.yaml')],
    clusterBrokers: 1,
    secrets: [
      'postgres://postgres:postgres@postgres:5432/cart_recovery',
      'local-app-secret',
      'local-verify-token',
      'bG9jYWwtZGV2LWtleS1ub3QtYS1zZWNyZXQtMDAwMDA=',
    ],
  },
  'values-managed.yaml': { args: ['-f', join(CHART, 'values-managed.yaml')], clusterBrokers: 3, secrets: [] },
  'SCRAM with chart secrets, mutual TLS to both, HPA': {
    args: [
      '-f',
      valuesFile('scram', {
        kafka: {
          brokers: ['k-0:9093', 'k-1:9093'],
          topicPrefix: 'stage.',
          securityProtocol: 'SASL_SSL',
          sasl: { mechanism: 'SCRAM-SHA-256', username: 'cart' },
          tls: { secretName: 'kafka-client', caKey: 'ca.crt', certKey: 'tls.crt', keyKey: 'tls.key' },
        },
        database: {
          sslMode: 'verify-ca',
          tls: { secretName: 'pg-client', caKey: 'ca.crt', certKey: 'tls.crt', keyKey: 'tls.key' },
        },
        secrets: { values: SECRETS },
        topics: { clusterBrokers: 2, partitions: 8 },
        autoscaling: { mode: 'hpa' },
        ingest: { autoscaling: { minReplicas: 1, maxReplicas: 8, lagThreshold: 100 } },
        config: { shutdownTimeoutMs: 40000 },
        ingress: { enabled: true },
        networkPolicy: { enabled: true },
      }),
    ],
    clusterBrokers: 2,
    secrets: Object.values(SECRETS),
  },
  "OAUTHBEARER with the pod's token, KEDA's OAuth client, migrations at start-up": {
    args: [
      '-f',
      valuesFile('oauth', {
        kafka: {
          brokers: ['k:9094'],
          securityProtocol: 'SASL_SSL',
          sasl: { mechanism: 'OAUTHBEARER', oauthbearer: { serviceAccountToken: { enabled: true } } },
          tls: { secretName: 'kafka-ca' },
        },
        secrets: {
          existingSecret: 'mine',
          existingSecretKeys: ['DATABASE_URL', 'WHATSAPP_APP_SECRET', 'SECRETS_ENCRYPTION_KEYS'],
        },
        migrations: { mode: 'startup' },
        topics: { hook: false },
        autoscaling: {
          keda: {
            oauthbearer: { tokenEndpointUri: 'https://idp.example.com/token', secretName: 'keda-oauth' },
          },
        },
        sender: { env: { SHUTDOWN_TIMEOUT_MS: 50000 } },
      }),
    ],
    clusterBrokers: 3,
    secrets: [],
  },
};

const rendered = Object.fromEntries(Object.entries(CASES).map(([name, c]) => [name, render(c.args)]));
const cases = Object.keys(CASES);

const byKind = (objects: K8sObject[], kind: string) => objects.filter((o) => o.kind === kind);
const componentOf = (o: K8sObject) => o.metadata.labels?.['app.kubernetes.io/component'] ?? '';
const isHook = (o: K8sObject) => o.metadata.annotations?.['helm.sh/hook'] !== undefined;

interface Container {
  name: string;
  command?: string[];
  env?: { name: string; value?: string; valueFrom?: unknown }[];
  envFrom?: { configMapRef?: { name: string } }[];
  ports?: { name: string; containerPort: number }[];
  startupProbe?: { httpGet: { path: string; port: string | number } };
  readinessProbe?: { httpGet: { path: string; port: string | number } };
  livenessProbe?: { httpGet: { path: string; port: string | number } };
  lifecycle?: { preStop?: { exec?: { command: string[] } } };
  securityContext?: {
    runAsNonRoot?: boolean;
    readOnlyRootFilesystem?: boolean;
    allowPrivilegeEscalation?: boolean;
    capabilities?: { drop?: string[] };
    seccompProfile?: { type: string };
  };
}
interface PodSpec {
  containers: Container[];
  terminationGracePeriodSeconds?: number;
  securityContext?: { runAsNonRoot?: boolean; seccompProfile?: { type: string } };
}
const podOf = (o: K8sObject) => (o.spec as { template: { spec: PodSpec } }).template.spec;
const configMap = (objects: K8sObject[], name: string) =>
  (byKind(objects, 'ConfigMap').find((c) => c.metadata.name === name)?.data ?? {}) as Record<string, string>;
/** Every variable a Deployment's container gets: its ConfigMap's and its own env. */
const envOf = (objects: K8sObject[], container: Container): Record<string, string> => {
  const env: Record<string, string> = {};
  for (const from of container.envFrom ?? []) Object.assign(env, configMap(objects, from.configMapRef!.name));
  for (const e of container.env ?? []) env[e.name] = e.value ?? '';
  return env;
};
/** Topic name → partitions, replication factor and configuration, as the topic Job creates them. */
const topicsOf = (objects: K8sObject[]) => {
  const cm = byKind(objects, 'ConfigMap').find((c) => componentOf(c) === 'topics');
  const lines = ((cm?.data as Record<string, string> | undefined)?.topics ?? '').trim().split('\n');
  return new Map(
    lines.map((line) => {
      const [name, partitions, replication, config] = line.split(' ');
      const pairs = config === '-' ? [] : config.split(',').map((p) => p.split('=') as [string, string]);
      return [
        name,
        { partitions: Number(partitions), replication: Number(replication), config: Object.fromEntries(pairs) },
      ];
    }),
  );
};
const defaultOf = (service: ServiceName, name: string) =>
  (SERVICE_ENV[service] as unknown as Record<string, { parse(raw: undefined): unknown }>)[name].parse(undefined);

describe('the chart files generated from the code', () => {
  it('files/topics.json, files/alerts.yml and values.schema.json are up to date (npm run chart:files)', () => {
    // Its own process: prettier (which formats the schema) loads ES modules jest cannot.
    const check = spawnSync(
      process.execPath,
      [require.resolve('tsx/cli'), 'scripts/helm/write-chart-files.ts', '--check'],
      {
        cwd: ROOT,
        encoding: 'utf8',
      },
    );
    expect(check.stderr).toBe('');
    expect(check.status).toBe(0);
  });
});

describe('helm lint and template', () => {
  it.each(cases)('helm lint --strict passes: %s', (name) => {
    const out = helm(['lint', '--strict', CHART, ...CASES[name].args]);
    expect(`${out.stdout}${out.stderr}`).toMatch(/1 chart\(s\) linted, 0 chart\(s\) failed/);
    expect(out.status).toBe(0);
  });

  it("lets topics.extraConfig and topics.dlqExtraConfig override the contract's retention, never its compaction", () => {
    const objects = render([
      '-f',
      REQUIRED,
      '-f',
      valuesFile('retention', {
        topics: {
          extraConfig: { 'retention.ms': '86400000', 'cleanup.policy': 'delete', 'segment.ms': '3600000' },
          dlqExtraConfig: { 'retention.ms': '5184000000' },
        },
      }),
    ]);
    const topics = topicsOf(objects);
    for (const t of allTopics('', { brokers: 3 })) {
      const dlq = t.name.endsWith('-dlq');
      expect([t.name, topics.get(t.name)!.config]).toEqual([
        t.name,
        {
          ...t.config,
          'cleanup.policy': t.config['cleanup.policy'],
          'segment.ms': '3600000',
          'retention.ms': dlq ? '5184000000' : '86400000',
        },
      ]);
    }
    expect(topics.get('store-settings')!.config['cleanup.policy']).toBe('compact');
  });

  it('the default values alone name the three values there is no default for', () => {
    const out = helm(['template', 'cart', CHART]);
    expect(out.status).not.toBe(0);
    expect(out.stderr).toContain('kafka.brokers: at least one bootstrap server is required');
    expect(out.stderr).toContain('secrets.values.DATABASE_URL: is required');
    expect(out.stderr).toContain('secrets.values.SECRETS_ENCRYPTION_KEYS: is required');
    const mine = helm([
      'template',
      'cart',
      CHART,
      '-f',
      valuesFile('no-keyring', {
        kafka: { brokers: ['k:9092'] },
        secrets: { existingSecret: 'mine', existingSecretKeys: ['DATABASE_URL'] },
      }),
    ]);
    expect(mine.stderr).toContain('secrets.existingSecretKeys: must list SECRETS_ENCRYPTION_KEYS');
  });

  it.each<[string, unknown, RegExp]>([
    ['an unknown variable of a service', { ingest: { env: { INGEST_GROUPID: 'x' } } }, /INGEST_GROUPID/],
    ['a secret as a plain variable', { sender: { env: { WHATSAPP_APP_SECRET: 'x' } } }, /WHATSAPP_APP_SECRET/],
    ['a variable of another service', { scheduler: { env: { SENDER_GROUP_ID: 'x' } } }, /SENDER_GROUP_ID/],
    ['a variable the chart sets itself', { ingest: { env: { KAFKA_BROKERS: 'x:1' } } }, /KAFKA_BROKERS/],
    ['an unknown protocol', { kafka: { securityProtocol: 'TLS' } }, /securityProtocol.*PLAINTEXT/s],
    ['a misspelt key', { kafka: { sasl: { mechansim: 'PLAIN' } } }, /mechansim/],
    [
      'more instances than partitions',
      { sender: { autoscaling: { minReplicas: 1, maxReplicas: 7, lagThreshold: 1 } } },
      /sender.autoscaling.maxReplicas: 7 is more than topics.partitions \(6\)/,
    ],
    [
      'SCRAM without a user and password',
      { kafka: { securityProtocol: 'SASL_SSL', sasl: { mechanism: 'SCRAM-SHA-512' } } },
      /kafka.sasl.username: is required[\s\S]*KAFKA_SASL_PASSWORD: is required/,
    ],
    [
      'OAUTHBEARER without a token',
      { kafka: { securityProtocol: 'SASL_SSL', sasl: { mechanism: 'OAUTHBEARER' } } },
      /set tokenFile or enable serviceAccountToken[\s\S]*KEDA needs an OAuth client/,
    ],
    [
      'a grace period shorter than the stop',
      { scheduler: { terminationGracePeriodSeconds: 20 } },
      /scheduler.terminationGracePeriodSeconds: must be longer than SHUTDOWN_TIMEOUT_MS/,
    ],
    [
      'a CA with TLS off',
      { database: { tls: { secretName: 'x' } } },
      /database.tls.secretName: needs database.sslMode/,
    ],
  ])('a wrong value fails with a message naming it: %s', (_, values, message) => {
    const out = helm(['template', 'cart', CHART, '-f', REQUIRED, '-f', valuesFile('wrong', values)]);
    expect(out.status).not.toBe(0);
    expect(out.stderr).toMatch(message);
  });
});

describe.each(cases)('rendered: %s', (name) => {
  const objects = rendered[name];
  const deployments = byKind(objects, 'Deployment');
  const jobs = byKind(objects, 'Job');
  const serviceOf = (o: K8sObject) => componentOf(o) as ServiceName;

  it('every object is valid against the Kubernetes, KEDA and prometheus-operator schemas', () => {
    const problems = validate(objects);
    expect(Object.keys(problems).length).toBe(objects.length);
    expect(Object.entries(problems).filter(([, p]) => p)).toEqual([]);
  });

  it('one Deployment per service, each running its own main.js from the one image', () => {
    expect(deployments.map(serviceOf).sort()).toEqual([...SERVICES].sort());
    const images = new Set(deployments.map((d) => podOf(d).containers[0]));
    expect(new Set([...images].map((c) => (c as Container & { image: string }).image)).size).toBe(1);
    for (const d of deployments)
      expect(podOf(d).containers[0].command).toEqual(['node', `dist/apps/${serviceOf(d)}/main.js`]);
  });

  it("sets only variables the service's configuration knows, secrets only as <NAME>_FILE", () => {
    for (const d of deployments) {
      const service = serviceOf(d);
      const spec = SERVICE_ENV[service];
      const secrets = secretVariables(spec);
      for (const variable of Object.keys(envOf(objects, podOf(d).containers[0]))) {
        const known =
          (variable in spec && !secrets.includes(variable)) ||
          secrets.map((s) => `${s}_FILE`).includes(variable) ||
          variable === 'NODE_OPTIONS';
        expect({ service, variable, known }).toEqual({ service, variable, known: true });
      }
    }
    for (const job of jobs.filter((j) => componentOf(j).endsWith('-migrate'))) {
      const service = componentOf(job).replace(/-migrate$/, '') as ServiceName;
      const env = podOf(job).containers[0].env!.map((e) => e.name);
      for (const variable of env)
        expect([service, variable, variable in SERVICE_ENV[service] || variable === 'DATABASE_URL_FILE']).toEqual([
          service,
          variable,
          true,
        ]);
    }
    const topicsJob = jobs.find((j) => componentOf(j) === 'topics');
    for (const e of topicsJob ? podOf(topicsJob).containers[0].env! : [])
      expect([
        e.name,
        e.name in SERVICE_ENV.ingest || e.name === 'KAFKA_SASL_PASSWORD_FILE' || e.name === 'LOG_DIR',
      ]).toEqual([e.name, true]);
  });

  it('renders no secret outside a Secret, and no secret variable in a ConfigMap', () => {
    const outside = JSON.stringify(objects.filter((o) => o.kind !== 'Secret'));
    for (const secret of CASES[name].secrets) {
      expect(outside).not.toContain(secret);
      expect(outside).not.toContain(Buffer.from(secret).toString('base64'));
    }
    const secretNames = new Set(SERVICES.flatMap((s) => secretVariables(SERVICE_ENV[s])));
    for (const cm of byKind(objects, 'ConfigMap'))
      for (const key of Object.keys((cm.data as Record<string, string>) ?? {}))
        expect(secretNames.has(key)).toBe(false);
    for (const workload of [...deployments, ...jobs])
      for (const c of podOf(workload).containers)
        for (const e of c.env ?? []) expect(secretNames.has(e.name)).toBe(false);
  });

  it('points each secret file variable at a key of the Secret the pod mounts, and gives each service only its own', () => {
    for (const d of deployments) {
      const service = serviceOf(d);
      const env = envOf(objects, podOf(d).containers[0]);
      const files = Object.entries(env).filter(([k]) => k.endsWith('_FILE') && k.slice(0, -5) in SERVICE_ENV[service]);
      const volumes = (podOf(d) as unknown as { volumes: { name: string; secret?: { items?: { key: string }[] } }[] })
        .volumes;
      const keys = volumes.find((v) => v.name === 'secrets')?.secret?.items?.map((i) => i.key) ?? [];
      const secretFiles = files.filter(([k]) => secretVariables(SERVICE_ENV[service]).includes(k.slice(0, -5)));
      expect(secretFiles.map(([k, path]) => [k.slice(0, -5), path]).sort()).toEqual(
        keys.map((key) => [key, `/etc/cart-recovery/secrets/${key}`]).sort(),
      );
      expect(keys).toContain('DATABASE_URL');
      // With every secret in the values, each service gets exactly the ones its configuration reads.
      if (CASES[name].secrets.length === Object.keys(SECRETS).length)
        expect([service, [...keys].sort()]).toEqual([service, secretVariables(SERVICE_ENV[service]).sort()]);
      // The platform's keys in every service when the Secret holds them: on the sender they open
      // only its part of an access request.
      if (CASES[name].secrets.includes(SECRETS.API_KEYS)) expect(keys).toContain('API_KEYS');
      if (service !== 'sender') expect(keys.filter((k) => k.startsWith('WHATSAPP_'))).toEqual([]);
      // The keyring of the stores' secrets: ingest and the sender, as a file; never the scheduler.
      if (service === 'scheduler') expect(keys).not.toContain('SECRETS_ENCRYPTION_KEYS');
      else expect(env.SECRETS_ENCRYPTION_KEYS_FILE).toBe('/etc/cart-recovery/secrets/SECRETS_ENCRYPTION_KEYS');
    }
    for (const job of jobs) {
      const items = (podOf(job) as unknown as { volumes?: { secret?: { items?: { key: string }[] } }[] }).volumes
        ?.flatMap((v) => v.secret?.items ?? [])
        .map((i) => i.key);
      expect([componentOf(job), items ?? []]).not.toEqual([
        componentOf(job),
        expect.arrayContaining(['SECRETS_ENCRYPTION_KEYS']),
      ]);
    }
  });

  it("probes the app's own health routes on the port it listens on", () => {
    const route = (method: keyof HealthController) =>
      ([] as string[]).concat(Reflect.getMetadata('path', HealthController.prototype[method]) as string | string[]);
    for (const d of deployments) {
      const service = serviceOf(d);
      const container = podOf(d).containers[0];
      const env = envOf(objects, container);
      expect(Number(env.HTTP_PORT)).toBe(container.ports!.find((p) => p.name === 'http')!.containerPort);
      expect(defaultOf(service, 'HTTP_PORT')).toBe(Number(env.HTTP_PORT)); // the app's default, as docs and compose use
      expect(route('live').map((p) => `/${p}`)).toContain(container.livenessProbe!.httpGet.path);
      expect(route('ready').map((p) => `/${p}`)).toContain(container.readinessProbe!.httpGet.path);
      expect(container.readinessProbe!.httpGet.path).toBe('/health');
      expect(container.livenessProbe!.httpGet.path).toBe('/health/live');
      expect(container.startupProbe!.httpGet.path).toBe('/health');
      for (const probe of [container.startupProbe!, container.readinessProbe!, container.livenessProbe!])
        expect(probe.httpGet.port).toBe('http');
      const svc = byKind(objects, 'Service').find((s) => componentOf(s) === service)!;
      expect((svc.spec as { ports: { targetPort: string }[] }).ports[0].targetPort).toBe('http');
    }
  });

  it("points ingest's console and access-request calls at the scheduler's and the sender's Services", () => {
    const ingest = deployments.find((d) => serviceOf(d) === 'ingest')!;
    const env = envOf(objects, podOf(ingest).containers[0]);
    const urlOf = (service: ServiceName) => {
      const svc = byKind(objects, 'Service').find((s) => componentOf(s) === service)!;
      return `http://${svc.metadata.name}:${(svc.spec as { ports: { port: number }[] }).ports[0].port}/`;
    };
    expect([env.CONSOLE_SCHEDULER_URL, env.SHOPPER_DATA_SCHEDULER_URL]).toEqual([
      urlOf('scheduler'),
      urlOf('scheduler'),
    ]);
    expect([env.CONSOLE_SENDER_URL, env.SHOPPER_DATA_SENDER_URL]).toEqual([urlOf('sender'), urlOf('sender')]);
    // Where NetworkPolicies limit who opens a port, ingest may open the scheduler's and the sender's.
    for (const policy of byKind(objects, 'NetworkPolicy').filter((p) => componentOf(p) !== 'ingest')) {
      const from = (
        policy.spec as { ingress: { from: { podSelector?: { matchLabels?: Record<string, string> } }[] }[] }
      ).ingress[0].from;
      expect(
        from.some(
          (f) =>
            f.podSelector?.matchLabels === undefined ||
            Object.keys(f.podSelector.matchLabels).length === 0 ||
            f.podSelector.matchLabels['app.kubernetes.io/component'] === 'ingest',
        ),
      ).toBe(true);
    }
  });

  it('stops within terminationGracePeriodSeconds: longer than SHUTDOWN_TIMEOUT_MS and the preStop pause', () => {
    for (const d of deployments) {
      const pod = podOf(d);
      const env = envOf(objects, pod.containers[0]);
      const preStop = Number(pod.containers[0].lifecycle?.preStop?.exec?.command[1] ?? 0);
      expect(pod.terminationGracePeriodSeconds! * 1000).toBeGreaterThan(
        Number(env.SHUTDOWN_TIMEOUT_MS) + preStop * 1000,
      );
    }
  });

  it('runs every container non-root, read-only, without capabilities, under seccomp RuntimeDefault', () => {
    for (const workload of [...deployments, ...jobs]) {
      const pod = podOf(workload);
      expect(pod.securityContext?.runAsNonRoot).toBe(true);
      expect(pod.securityContext?.seccompProfile?.type).toBe('RuntimeDefault');
      for (const c of pod.containers)
        expect(c.securityContext).toMatchObject({
          runAsNonRoot: true,
          readOnlyRootFilesystem: true,
          allowPrivilegeEscalation: false,
          capabilities: { drop: ['ALL'] },
          seccompProfile: { type: 'RuntimeDefault' },
        });
    }
  });

  it('runs each service with the node flags docker-compose.yml deploys (the benchmarks measured those)', () => {
    for (const d of deployments) {
      const flags = podOf(d).containers[0].env?.find((e) => e.name === 'NODE_OPTIONS')?.value;
      expect(flags).toBe(deployedNodeOptions(serviceOf(d)));
    }
  });

  it("creates exactly the contracts' topics with their configuration and replication", () => {
    const topics = topicsOf(objects);
    if (topics.size === 0) return; // topics.create false
    const prefix =
      configMap(objects, byKind(objects, 'ConfigMap').find((c) => componentOf(c) === 'ingest')!.metadata.name)
        .TOPIC_PREFIX ?? '';
    const expected = allTopics(prefix, { brokers: CASES[name].clusterBrokers });
    expect([...topics.keys()]).toEqual(expected.map((t) => t.name));
    for (const t of expected) {
      // Exactly the contract's: retention and cleanup policy included (no values case overrides them).
      expect(topics.get(t.name)!.config).toEqual(t.config);
      expect(topics.get(t.name)!.replication).toBe(t.replicationFactor);
    }
  });

  it("scales each service on its own consumer groups and topics, never past the topics' partitions", () => {
    const topics = topicsOf(objects);
    const partitionsOf = (topic: string) => topics.get(topic)?.partitions ?? 6;
    const env = (service: ServiceName) =>
      envOf(objects, podOf(deployments.find((d) => serviceOf(d) === service)!).containers[0]);
    const prefix = env('ingest').TOPIC_PREFIX ?? '';
    const t = (topic: string) => `${prefix}${topic}`;
    // Erasure requests are read only by a service given the erasure hash key.
    const erasing = (service: ServiceName) =>
      env(service).ERASURE_HASH_KEY_FILE !== undefined ? [TOPIC.erasureRequests] : [];
    const expected: Record<ServiceName, [string, string][]> = {
      ingest: [[env('ingest').INGEST_GROUP_ID, t(TOPIC.cartEventsRaw)]],
      scheduler: [
        TOPIC.cartEvents,
        TOPIC.storeSettings,
        TOPIC.messageOutcomes,
        TOPIC.linkClicks,
        ...erasing('scheduler'),
      ].map((topic) => [env('scheduler').SCHEDULER_GROUP_ID, t(topic)]),
      sender: [
        [env('sender').SENDER_GROUP_ID, t(TOPIC.sendDue)],
        ...[TOPIC.storeSettings, TOPIC.cartEvents, TOPIC.messageOutcomes, ...erasing('sender')].map(
          (topic) => [env('sender').SENDER_FACTS_GROUP_ID, t(topic)] as [string, string],
        ),
      ],
    };
    // The groups are the services' defaults unless a values file names them.
    expect(env('ingest').INGEST_GROUP_ID ?? defaultOf('ingest', 'INGEST_GROUP_ID')).toBe(
      defaultOf('ingest', 'INGEST_GROUP_ID'),
    );
    expect(env('scheduler').SCHEDULER_GROUP_ID).toBe(defaultOf('scheduler', 'SCHEDULER_GROUP_ID'));
    expect(env('sender').SENDER_GROUP_ID).toBe(defaultOf('sender', 'SENDER_GROUP_ID'));
    expect(env('sender').SENDER_FACTS_GROUP_ID).toBe(defaultOf('sender', 'SENDER_FACTS_GROUP_ID'));

    const scaled = byKind(objects, 'ScaledObject');
    const hpas = byKind(objects, 'HorizontalPodAutoscaler');
    for (const service of SERVICES) {
      const so = scaled.find((s) => componentOf(s) === service);
      const hpa = hpas.find((s) => componentOf(s) === service);
      const topicsRead = expected[service].map(([, topic]) => topic);
      const fewest = Math.min(...topicsRead.map(partitionsOf));
      if (so) {
        const spec = so.spec as {
          minReplicaCount: number;
          maxReplicaCount: number;
          scaleTargetRef: { name: string };
          triggers: { type: string; metadata: Record<string, string> }[];
        };
        expect(spec.triggers.map((tr) => [tr.metadata.consumerGroup, tr.metadata.topic])).toEqual(expected[service]);
        expect(
          spec.triggers.every(
            (tr) => tr.type === 'kafka' && tr.metadata.bootstrapServers === env(service).KAFKA_BROKERS,
          ),
        ).toBe(true);
        expect(spec.minReplicaCount).toBeGreaterThanOrEqual(1);
        expect(spec.maxReplicaCount).toBeLessThanOrEqual(fewest);
        expect(spec.scaleTargetRef.name).toBe(deployments.find((d) => serviceOf(d) === service)!.metadata.name);
      }
      if (hpa) expect((hpa.spec as { maxReplicas: number }).maxReplicas).toBeLessThanOrEqual(fewest);
      expect(so && hpa).toBeFalsy(); // one autoscaler at most
      const replicas = (deployments.find((d) => serviceOf(d) === service)!.spec as { replicas?: number }).replicas;
      expect(replicas === undefined).toBe(Boolean(so || hpa)); // the autoscaler owns the count
    }
  });

  it("authenticates KEDA to Kafka as the services' security values say", () => {
    const env = envOf(objects, podOf(deployments[0]).containers[0]);
    const triggers = byKind(objects, 'ScaledObject').flatMap(
      (s) =>
        (s.spec as { triggers: { metadata: Record<string, string>; authenticationRef?: { name: string } }[] }).triggers,
    );
    if (triggers.length === 0) return;
    const auth = byKind(objects, 'TriggerAuthentication')[0];
    const refs = new Map(
      (
        (auth?.spec as { secretTargetRef?: { parameter: string; name: string; key: string }[] })?.secretTargetRef ?? []
      ).map((r) => [r.parameter, r]),
    );
    const tls = ['SSL', 'SASL_SSL'].includes(env.KAFKA_SECURITY_PROTOCOL);
    const sasl = {
      PLAIN: 'plaintext',
      'SCRAM-SHA-256': 'scram_sha256',
      'SCRAM-SHA-512': 'scram_sha512',
      OAUTHBEARER: 'oauthbearer',
    }[env.KAFKA_SASL_MECHANISM ?? ''];
    for (const tr of triggers) {
      expect(tr.metadata.tls).toBe(tls ? 'enable' : 'disable');
      expect(tr.metadata.sasl).toBe(sasl);
      expect(tr.authenticationRef?.name).toBe(auth?.metadata.name);
    }
    if (env.KAFKA_SASL_PASSWORD_FILE) {
      const secretName = (
        podOf(deployments[0]) as unknown as { volumes: { name: string; secret?: { secretName: string } }[] }
      ).volumes.find((v) => v.name === 'secrets')!.secret!.secretName;
      expect(refs.get('password')).toEqual({ parameter: 'password', name: secretName, key: 'KAFKA_SASL_PASSWORD' });
      const kedaSecret = byKind(objects, 'Secret').find((s) => s.metadata.name === refs.get('username')!.name)!;
      expect((kedaSecret.stringData as Record<string, string>).username).toBe(env.KAFKA_SASL_USERNAME);
    }
    if (env.KAFKA_SSL_CA_FILE) expect(refs.get('ca')?.key).toBe(env.KAFKA_SSL_CA_FILE.split('/').pop());
    if (env.KAFKA_SSL_CERT_FILE)
      expect([refs.get('cert')?.key, refs.get('key')?.key]).toEqual([
        env.KAFKA_SSL_CERT_FILE.split('/').pop(),
        env.KAFKA_SSL_KEY_FILE.split('/').pop(),
      ]);
    if (sasl === undefined && !env.KAFKA_SSL_CA_FILE) expect(auth).toBeUndefined();
  });

  it("has Prometheus keep the services' own service label (the alerts and the dashboard read it)", () => {
    for (const sm of byKind(objects, 'ServiceMonitor'))
      expect((sm.spec as { endpoints: { honorLabels: boolean; path: string }[] }).endpoints).toEqual([
        expect.objectContaining({ honorLabels: true, path: '/metrics', port: 'http' }),
      ]);
  });

  it('carries the alert rules of deploy/prometheus/alerts.yml unchanged in its PrometheusRule', () => {
    for (const rule of byKind(objects, 'PrometheusRule'))
      expect(rule.spec).toEqual(parse(readFileSync(join(ROOT, 'deploy/prometheus/alerts.yml'), 'utf8')));
  });

  it('migrates before the services start (hook Jobs, MIGRATIONS_RUN=false), or at start-up', () => {
    const migrations = jobs.filter((j) => componentOf(j).endsWith('-migrate'));
    const runAtStart = deployments.map((d) => envOf(objects, podOf(d).containers[0]).MIGRATIONS_RUN);
    if (migrations.length === 0) {
      expect(runAtStart).toEqual(['true', 'true', 'true']);
      return;
    }
    expect(runAtStart).toEqual(['false', 'false', 'false']);
    expect(migrations.map((j) => podOf(j).containers[0].command)).toEqual(
      SERVICES.map((s) => ['node', `dist/apps/${s}/main.js`, 'migrate']),
    );
    for (const j of migrations) {
      expect(j.metadata.annotations?.['helm.sh/hook']).toBe('pre-install,pre-upgrade');
      // What a pre-install hook mounts must exist before the release's own objects do.
      const volumes = (podOf(j) as unknown as { volumes: { secret?: { secretName: string } }[] }).volumes;
      for (const v of volumes.filter((v) => v.secret)) {
        const secret = objects.find((o) => o.kind === 'Secret' && o.metadata.name === v.secret!.secretName);
        if (secret) expect(isHook(secret)).toBe(true);
      }
      const sa = (podOf(j) as unknown as { serviceAccountName: string }).serviceAccountName;
      expect(isHook(objects.find((o) => o.kind === 'ServiceAccount' && o.metadata.name === sa)!)).toBe(true);
    }
  });
});

describe('create-topics.sh (the topic Job), against stand-ins of the Kafka tools', () => {
  const script = join(CHART, 'files/create-topics.sh');
  const run = (env: Record<string, string>, existing: string[] = []) => {
    const bin = mkdtempSync(join(dir, 'bin-'));
    const log = join(bin, 'calls');
    for (const tool of ['kafka-topics.sh', 'kafka-configs.sh']) {
      writeFileSync(
        join(bin, tool),
        `#!/usr/bin/env bash\nprintf '%s\\n' "${tool} $*" >> ${log}\n` +
          `while [[ $# -gt 0 ]]; do [[ $1 == --command-config ]] && cp "$2" ${bin}/client.properties; shift; done\n` +
          (tool === 'kafka-topics.sh' ? `printf '%s\\n' ${existing.map((e) => `'${e}'`).join(' ')}\n` : ''),
        { mode: 0o755 },
      );
    }
    const list = join(bin, 'topics');
    writeFileSync(
      list,
      'cart-events-raw 6 3 max.message.bytes=4194304,min.insync.replicas=2\nstore-settings 6 3 cleanup.policy=compact\nsend-due 6 3 -\n',
    );
    const out = spawnSync('bash', [script, list], {
      env: { PATH: process.env.PATH, KAFKA_BIN: bin, KAFKA_BROKERS: 'k:9093', ...env },
      encoding: 'utf8',
    });
    const read = (f: string) => {
      try {
        return readFileSync(join(bin, f), 'utf8');
      } catch {
        return '';
      }
    };
    return {
      status: out.status,
      stderr: out.stderr,
      calls: read('calls').trim().split('\n'),
      properties: read('client.properties'),
    };
  };

  it('creates the missing topics with their configuration and sets it on those that exist', () => {
    const r = run({}, ['store-settings']);
    expect(r.status).toBe(0);
    expect(r.calls.slice(1)).toEqual([
      expect.stringMatching(
        /^kafka-topics.sh --bootstrap-server k:9093 .* --create --if-not-exists --topic cart-events-raw --partitions 6 --replication-factor 3 --config max.message.bytes=4194304 --config min.insync.replicas=2$/,
      ),
      expect.stringMatching(
        /^kafka-configs.sh .* --alter --entity-type topics --entity-name store-settings --add-config cleanup.policy=compact$/,
      ),
      expect.stringMatching(/--create --if-not-exists --topic send-due --partitions 6 --replication-factor 3$/),
    ]);
    expect(r.properties).toBe('security.protocol=PLAINTEXT\n');
  });

  it('connects with SCRAM over TLS with a PEM CA, the password quoted for JAAS and escaped for .properties', () => {
    const password = join(dir, 'kafka-password');
    writeFileSync(password, 'p"w\\1');
    const r = run({
      KAFKA_SECURITY_PROTOCOL: 'SASL_SSL',
      KAFKA_SASL_MECHANISM: 'SCRAM-SHA-512',
      KAFKA_SASL_USERNAME: 'cart',
      KAFKA_SASL_PASSWORD_FILE: password,
      KAFKA_SSL_CA_FILE: '/etc/cart-recovery/kafka-tls/ca.crt',
    });
    expect(r.status).toBe(0);
    // Read back as Java reads a .properties file (\\ → \), the JAAS value is "p\"w\\1".
    expect(r.properties).toContain(
      'sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="cart" password="p\\\\"w\\\\\\\\1";\n',
    );
    expect(r.properties).toContain('security.protocol=SASL_SSL\nsasl.mechanism=SCRAM-SHA-512\n');
    expect(r.properties).toContain(
      'ssl.truststore.type=PEM\nssl.truststore.location=/etc/cart-recovery/kafka-tls/ca.crt\n',
    );
  });

  it('connects with OAUTHBEARER from the token file', () => {
    const r = run({
      KAFKA_SECURITY_PROTOCOL: 'SASL_SSL',
      KAFKA_SASL_MECHANISM: 'OAUTHBEARER',
      KAFKA_SASL_OAUTHBEARER_TOKEN_FILE: '/var/run/token',
    });
    expect(r.status).toBe(0);
    expect(r.properties).toContain('sasl.oauthbearer.token.endpoint.url=file:///var/run/token\n');
    expect(r.properties).toContain(
      'sasl.login.callback.handler.class=org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginCallbackHandler\n',
    );
  });
});

it('every chart-owned variable is one the services read', () => {
  for (const name of CHART_OWNED)
    for (const s of SERVICES) expect([s, name, name in SERVICE_ENV[s]]).toEqual([s, name, true]);
});
