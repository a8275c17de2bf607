/**
 * The PromQL of the alert rules and the dashboard, for the tests: the expressions, and the
 * metric names they read (parsed with Prometheus' own PromQL grammar, @prometheus-io/lezer-promql).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parser } from '@prometheus-io/lezer-promql';
import { parse } from 'yaml';
import { dashboardQueries } from '../../scripts/grafana/dashboard';

export const ALERTS_FILE = join(__dirname, 'alerts.yml');

interface Rule {
  record?: string;
  alert?: string;
  expr: string;
  annotations?: Record<string, string>;
  labels?: Record<string, string>;
}

export function alertRules(): Rule[] {
  const file = parse(readFileSync(ALERTS_FILE, 'utf8')) as { groups: { rules: Rule[] }[] };
  return file.groups.flatMap((g) => g.rules);
}

/** Grafana's variables replaced by what Grafana hands Prometheus. */
export function asPrometheusQuery(expr: string): string {
  return expr
    .replace(/\$__rate_interval/g, '1m')
    .replace(/\$__range/g, '6h')
    .replace(/\$__interval/g, '30s');
}

/** Every query of the dashboard, as Prometheus receives it. */
export function dashboardPromql(): string[] {
  return dashboardQueries().map(asPrometheusQuery);
}

/** The metric names an expression reads (a syntax error throws, naming where). */
export function metricNames(expr: string): string[] {
  const tree = parser.parse(expr);
  const names = new Set<string>();
  let error: number | undefined;
  tree.iterate({
    enter(node) {
      if (node.type.isError) error ??= node.from;
      if (node.name === 'Identifier' && node.node.parent?.name === 'VectorSelector')
        names.add(expr.slice(node.from, node.to));
    },
  });
  if (error !== undefined) throw new Error(`PromQL does not parse at ${error}: ${expr}`);
  return [...names];
}

/** Names the alert rules and the dashboard read, less those the rules record themselves. */
export function metricsRead(): Map<string, string[]> {
  const rules = alertRules();
  const recorded = new Set(rules.flatMap((r) => (r.record ? [r.record] : [])));
  const read = new Map<string, string[]>();
  const add = (where: string, expr: string) => {
    for (const name of metricNames(expr)) {
      if (recorded.has(name)) continue;
      read.set(name, [...(read.get(name) ?? []), where]);
    }
  };
  for (const r of rules) add(r.alert ?? r.record ?? '?', r.expr);
  dashboardPromql().forEach((q, i) => add(`dashboard query ${i + 1}`, q));
  return read;
}
