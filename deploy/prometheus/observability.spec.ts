import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DataSource } from 'typeorm';
import { stringify } from 'yaml';
import { IngestMetrics } from '../../apps/ingest/src/ingest.metrics';
import { SchedulerMetrics } from '../../apps/scheduler/src/scheduler.metrics';
import { TimerGauges } from '../../apps/scheduler/src/timers/timer-gauges';
import { SenderMetrics } from '../../apps/sender/src/sender.metrics';
import { createMetrics, Readiness, registerReadinessMetrics } from '@lib/observability';
import { ROOT, tool } from '../helm/chart-render';
import { alertRules, ALERTS_FILE, dashboardPromql, metricNames, metricsRead } from './promql';

// The alert rules with promtool (check: syntax and templates; test: synthetic series), the
// dashboard's PromQL, and every metric name both read against what the services define.

const promtool = (args: string[]) => {
  const run = spawnSync(tool('promtool'), args, { cwd: ROOT, encoding: 'utf8' });
  return { status: run.status, out: `${run.stdout}${run.stderr}` };
};

/** The metric names each service defines (histograms as their _bucket, _sum and _count series). */
function definedMetrics(): Set<string> {
  const names = new Set<string>();
  for (const service of ['ingest', 'scheduler', 'sender'] as const) {
    const metrics = createMetrics(service);
    registerReadinessMetrics(metrics, new Readiness());
    if (service === 'ingest') new IngestMetrics(metrics);
    if (service === 'scheduler') {
      new SchedulerMetrics(metrics);
      new TimerGauges({ isInitialized: false } as DataSource, metrics);
    }
    if (service === 'sender') new SenderMetrics(metrics);
    for (const m of metrics.registry.getMetricsAsArray()) {
      const { name, type } = m as unknown as { name: string; type: string };
      names.add(name);
      if (type === 'histogram') for (const suffix of ['_bucket', '_sum', '_count']) names.add(`${name}${suffix}`);
    }
  }
  return names;
}

describe('deploy/prometheus/alerts.yml', () => {
  it('passes promtool check rules', () => {
    const r = promtool(['check', 'rules', ALERTS_FILE]);
    expect(r.out).toMatch(/SUCCESS: \d+ rules found/);
    expect(r.status).toBe(0);
  });

  it("docker-compose's Prometheus configuration passes promtool check config, the rules with it", () => {
    const r = promtool(['check', 'config', join(__dirname, 'prometheus.yml')]);
    expect(r.out).toContain('is valid prometheus config file syntax');
    expect(r.out).toMatch(/SUCCESS: \d+ rules found/);
    expect(r.status).toBe(0);
  });

  it("passes promtool test rules: each alert fires on its situation's series and not on its neighbours'", () => {
    const r = promtool(['test', 'rules', join(__dirname, 'alerts.test.yml')]);
    expect(r.out).toContain('SUCCESS');
    expect(r.status).toBe(0);
  });

  it('tests every alert it has, firing at least once', () => {
    const tests = readFileSync(join(__dirname, 'alerts.test.yml'), 'utf8');
    for (const { alert } of alertRules().filter((r) => r.alert))
      expect([alert, new RegExp(`alertname: ${alert}\\n\\s+exp_alerts:\\n\\s+- exp_labels`).test(tests)]).toEqual([
        alert,
        true,
      ]);
  });

  it('gives every alert a severity, a summary and a runbook section in docs/operations.md', () => {
    const runbooks = readFileSync(join(ROOT, 'docs/operations.md'), 'utf8');
    for (const rule of alertRules().filter((r) => r.alert)) {
      const alert = rule.alert!;
      expect([alert, rule.labels?.severity]).toEqual([alert, expect.stringMatching(/^(warning|critical)$/)]);
      expect(rule.annotations?.summary).toBeTruthy();
      expect(rule.annotations?.runbook_url).toBe(`docs/operations.md#${alert.toLowerCase()}`);
      const section = new RegExp(`^### ${alert}\\n\\n(.+)`, 'm').exec(runbooks);
      expect([alert, (section?.[1] ?? '').length > 40]).toEqual([alert, true]);
    }
  });
});

describe('deploy/grafana/cart-recovery.json', () => {
  const dashboard = JSON.parse(readFileSync(join(ROOT, 'deploy/grafana/cart-recovery.json'), 'utf8')) as {
    uid: string;
    panels: {
      type: string;
      title: string;
      gridPos: { x: number; w: number };
      targets?: { expr: string; refId: string }[];
    }[];
  };

  it('is up to date with scripts/grafana/dashboard.ts (npm run grafana:dashboard)', () => {
    // Its own process: prettier (which formats the file) loads ES modules jest cannot.
    const check = spawnSync(process.execPath, [require.resolve('tsx/cli'), 'scripts/grafana/dashboard.ts', '--check'], {
      cwd: ROOT,
      encoding: 'utf8',
    });
    expect(check.stderr).toBe('');
    expect(check.status).toBe(0);
  });

  it('has the panels the operators look for, each with a query, laid out within 24 columns', () => {
    const titles = dashboard.panels.map((p) => p.title);
    for (const title of [
      'Records consumed and committed',
      'Consumer lag',
      'Batch handling time p50 / p99',
      'Dead letters',
      'Send-dues by outcome',
      'Graph API errors by code',
      'Send rate per phone number and its limit',
      'Cart timers',
      'Emission lag p50 / p99',
      'Messages sent',
      'Delivered',
      'Read',
      'Recovered carts',
    ])
      expect(titles).toContain(title);
    for (const p of dashboard.panels.filter((p) => p.type !== 'row')) {
      expect(p.targets?.length).toBeGreaterThan(0);
      expect(p.gridPos.x + p.gridPos.w).toBeLessThanOrEqual(24);
    }
    expect(new Set(dashboard.panels.map((p) => (p as unknown as { id: number }).id)).size).toBe(
      dashboard.panels.length,
    );
  });

  it("every query parses: Prometheus' grammar, and promtool on them as recording rules", () => {
    const queries = dashboardPromql();
    for (const q of queries) expect(() => metricNames(q)).not.toThrow();
    const dir = mkdtempSync(join(tmpdir(), 'dashboard-promql-'));
    const file = join(dir, 'dashboard-queries.yml');
    writeFileSync(
      file,
      stringify({
        groups: [
          { name: 'dashboard', rules: queries.map((expr, i) => ({ record: `dashboard:query_${i + 1}`, expr })) },
        ],
      }),
    );
    const r = promtool(['check', 'rules', file]);
    expect(r.out).toContain(`SUCCESS: ${queries.length} rules found`);
  });

  it('the grammar check catches a broken query', () => {
    expect(() => metricNames('sum(rate(kafka_consumed_records_total[5m])')).toThrow(/does not parse/);
    expect(metricNames('sum by (le) (rate(a_bucket{x="y"}[5m])) / on () b')).toEqual(['a_bucket', 'b']);
  });
});

it('the alerts and the dashboard read only metrics the services define (no dead panel, no silent alert)', () => {
  const defined = definedMetrics();
  const missing = [...metricsRead()].filter(([name]) => !defined.has(name));
  expect(missing).toEqual([]);
});
