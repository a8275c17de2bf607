import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { allTopics } from '@lib/contracts';
import { deployedNodeOptions } from './support/services';

// No Docker engine runs where CI does, so the compose file is checked by reading it.
type Service = {
  image?: string;
  profiles?: string[];
  volumes?: string[];
  build?: { args?: Record<string, string>; target?: string };
  healthcheck?: { test: string[] };
  depends_on?: Record<string, { condition: string }>;
  environment?: Record<string, string | number>;
  container_name?: string;
  command?: string[];
};

const root = join(__dirname, '..');
const compose = parse(readFileSync(join(root, 'docker-compose.yml'), 'utf8'), { merge: true }) as {
  services: Record<string, Service>;
};
const { services } = compose;

describe('docker-compose.yml', () => {
  it('runs Kafka and PostgreSQL from official images with health checks', () => {
    expect(services.kafka.image).toMatch(/^apache\/kafka:\d+\.\d+\.\d+$/);
    expect(services.kafka.environment?.KAFKA_PROCESS_ROLES).toBe('broker,controller');
    expect(services.postgres.image).toMatch(/^postgres:\d+$/);
    expect(services.kafka.healthcheck?.test.join(' ')).toContain('kafka-broker-api-versions.sh');
    expect(services.postgres.healthcheck?.test.join(' ')).toContain('pg_isready');
  });

  it('creates every topic of the contracts with its configuration (retention, compaction, record size)', () => {
    const script = services['kafka-topics'].command!.join('\n');
    expect(services['kafka-topics'].depends_on?.kafka.condition).toBe('service_healthy');
    // What the script creates: each `create name k=v …` line, with its configuration.
    const created = new Map<string, Record<string, string>>();
    for (const m of script.matchAll(/^\s*create ([a-z-]+)(.*)$/gm))
      created.set(m[1], Object.fromEntries([...m[2].matchAll(/([a-z.]+)=(\S+)/g)].map((c) => [c[1], c[2]])));
    const expected = new Map(allTopics().map(({ name, config }) => [name, config]));
    expect(created).toEqual(expected);
    // A topic that exists (an upgrade) gets the same configuration: created if missing, then altered.
    expect(script).toContain('--create --if-not-exists');
    expect(script).toMatch(
      /kafka-configs\.sh .*--alter --entity-type topics --entity-name "\$\$name" --add-config "\$\$config"/,
    );
  });

  it.each(['ingest', 'scheduler', 'sender'])('%s is built from the one Dockerfile, healthy, and scalable', (name) => {
    const service = services[name];
    expect(service.build?.args?.APP).toBe(name);
    expect(service.build?.target).toBe('runtime');
    expect(service.container_name).toBeUndefined(); // a fixed name would forbid --scale
    expect(service.depends_on?.['kafka-topics'].condition).toBe('service_completed_successfully');
    expect(service.depends_on?.postgres.condition).toBe('service_healthy');
    expect(service.healthcheck?.test.join(' ')).toContain('/health');
    expect(service.environment?.KAFKA_BROKERS).toBe('kafka:9092');
    expect(String(service.environment?.DATABASE_URL)).toMatch(/^postgres:\/\/.+@postgres:5432\//);
  });

  it("gives the one keyring of the stores' secrets to ingest and the sender, never to the scheduler", () => {
    const keys = services.ingest.environment?.SECRETS_ENCRYPTION_KEYS;
    // 32 bytes in base64 under an id, overridable from the shell's environment.
    expect(String(keys)).toMatch(/^\$\{SECRETS_ENCRYPTION_KEYS:-[A-Za-z0-9_-]+:[A-Za-z0-9+/]{43}=\}$/);
    expect(services.sender.environment?.SECRETS_ENCRYPTION_KEYS).toBe(keys);
    expect(services.scheduler.environment).not.toHaveProperty('SECRETS_ENCRYPTION_KEYS');
  });

  it('points the sender at the WhatsApp simulator by default, with webhooks signed by the same app secret', () => {
    const sender = services.sender.environment!;
    const simulator = services['whatsapp-simulator'];
    expect(simulator.build?.target).toBe('simulator');
    expect(String(sender.WHATSAPP_GRAPH_BASE_URL)).toContain(
      `http://whatsapp-simulator:${simulator.environment?.WA_SIM_PORT}`,
    );
    expect(String(simulator.environment?.WA_SIM_WEBHOOK_URL)).toBe(
      `http://sender:${sender.HTTP_PORT}/v1/webhooks/whatsapp`,
    );
    // Both read the same variable with the same default, so the signatures match.
    expect(simulator.environment?.WA_SIM_APP_SECRET).toBe(sender.WHATSAPP_APP_SECRET);
    expect(String(sender.WHATSAPP_VERIFY_TOKEN)).not.toBe('');
  });

  it("caps the sender's heap with flags node accepts in NODE_OPTIONS, the young generation set too", () => {
    // As tests, the demo and the benchmarks read them to start the sender.
    const flags = String(deployedNodeOptions('sender'));
    expect(flags).toMatch(/--max-old-space-size=\d+/);
    expect(flags).toMatch(/--max-semi-space-size=\d+/);
    const limit = spawnSync(process.execPath, ['-p', 'require("v8").getHeapStatistics().heap_size_limit'], {
      env: { ...process.env, NODE_OPTIONS: flags },
      encoding: 'utf8',
    });
    expect(limit.stderr).toBe('');
    expect(Number(limit.stdout)).toBeGreaterThan(128 * 2 ** 20);
    expect(Number(limit.stdout)).toBeLessThan(300 * 2 ** 20);
  });

  it('runs ingest with a young generation node accepts and keeps small', () => {
    const flags = String(deployedNodeOptions('ingest'));
    const semiSpaceMb = Number(/--max-semi-space-size=(\d+)/.exec(flags)?.[1]);
    expect(semiSpaceMb).toBeGreaterThan(0);
    expect(semiSpaceMb).toBeLessThan(16); // node's default, which took the benchmark past 300 MB
    const run = spawnSync(process.execPath, ['-e', ''], {
      env: { ...process.env, NODE_OPTIONS: flags },
      encoding: 'utf8',
    });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
  });

  it('adds Prometheus and Grafana only with the monitoring profile, provisioned with the deploy files', () => {
    for (const name of ['prometheus', 'grafana']) expect(services[name].profiles).toEqual(['monitoring']);
    for (const [name, service] of Object.entries(services))
      if (!['prometheus', 'grafana'].includes(name)) expect(service.profiles).toBeUndefined();
    const mounts = (name: string) =>
      Object.fromEntries(
        (services[name].volumes ?? []).filter((v) => v.startsWith('./')).map((v) => v.split(':').slice(0, 2)),
      );
    expect(mounts('prometheus')).toEqual({
      './deploy/prometheus/prometheus.yml': '/etc/prometheus/prometheus.yml',
      './deploy/prometheus/alerts.yml': '/etc/prometheus/alerts.yml',
    });
    expect(mounts('grafana')).toEqual({
      './deploy/grafana/provisioning': '/etc/grafana/provisioning',
      './deploy/grafana/cart-recovery.json': '/var/lib/grafana/dashboards/cart-recovery.json',
    });
    for (const path of [...Object.keys(mounts('prometheus')), ...Object.keys(mounts('grafana'))])
      expect(existsSync(join(root, path))).toBe(true);
  });

  it('Prometheus scrapes every instance of each service on its port and loads the alert rules', () => {
    const config = parse(readFileSync(join(root, 'deploy/prometheus/prometheus.yml'), 'utf8')) as {
      rule_files: string[];
      scrape_configs: { honor_labels?: boolean; dns_sd_configs: { names: string[]; port: number }[] }[];
    };
    expect(config.rule_files).toEqual(['alerts.yml']);
    const [job] = config.scrape_configs;
    expect(job.honor_labels).toBe(true);
    const scraped = Object.fromEntries(job.dns_sd_configs.map((d) => [d.names[0], d.port]));
    for (const name of ['ingest', 'scheduler', 'sender'])
      expect(scraped[name]).toBe(Number(services[name].environment?.HTTP_PORT));
    const datasource = parse(
      readFileSync(join(root, 'deploy/grafana/provisioning/datasources/prometheus.yml'), 'utf8'),
    );
    expect(datasource.datasources[0].url).toBe('http://prometheus:9090');
  });

  it('the Dockerfile builds every app and runs the one named by APP', () => {
    const dockerfile = readFileSync(join(root, 'Dockerfile'), 'utf8');
    for (const app of ['ingest', 'scheduler', 'sender']) expect(dockerfile).toContain(`nest build ${app}`);
    expect(dockerfile).toMatch(/FROM node:\d+-slim AS runtime/);
    expect(dockerfile).toContain('exec node dist/apps/$APP/main.js');
    expect(dockerfile).toMatch(/FROM deps AS simulator[\s\S]*test\/whatsapp-simulator\/main\.ts/);
  });
});
