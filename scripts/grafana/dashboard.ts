/**
 * The Grafana dashboard deploy/grafana/cart-recovery.json, written from the panel list below
 * (`npm run grafana:dashboard`); deploy/prometheus/observability.spec.ts fails when the file is
 * out of date, when a query does not parse, or when it names a metric no service defines, and
 * test/e2e/metrics-exposed.e2e-spec.ts when the running services do not expose one.
 */
import { join } from 'node:path';

export const DASHBOARD_FILE = join(__dirname, '../../deploy/grafana/cart-recovery.json');

interface Target {
  expr: string;
  legend: string;
}
interface Panel {
  title: string;
  description: string;
  targets: Target[];
  unit: string;
  kind?: 'timeseries' | 'stat';
  width?: number;
}
type Row = { row: string; panels: Panel[] };

const rate = (selector: string) => `rate(${selector}[$__rate_interval])`;
const quantile = (q: number, bucket: string, by = '') =>
  `histogram_quantile(${q}, sum by (le${by ? `, ${by}` : ''}) (${rate(bucket)}))`;
const total = (selector: string) => `sum(increase(${selector}[$__range]))`;
/** Lag per group, each partition once (the instance that owns it reports it). */
const LAG =
  'sum by (service, group) (max by (service, group, topic, partition) (kafka_consumer_lag{group!~".+-store-settings-.+"}))';

export const ROWS: Row[] = [
  {
    row: 'Pipeline: every service',
    panels: [
      {
        title: 'Records consumed and committed',
        description: 'Per service and consumer group.',
        targets: [
          {
            expr: `sum by (service, group) (${rate('kafka_consumed_records_total')})`,
            legend: '{{service}} {{group}}',
          },
        ],
        unit: 'rps',
      },
      {
        title: 'Records produced and acknowledged',
        description: 'Per service and topic (outputs and dead letters).',
        targets: [
          {
            expr: `sum by (service, topic) (${rate('kafka_produced_records_total')})`,
            legend: '{{service}} → {{topic}}',
          },
        ],
        unit: 'rps',
      },
      {
        title: 'Consumer lag',
        description: 'Records behind the partition ends, per consumer group (alert: CartRecoveryConsumerLagHigh).',
        targets: [{ expr: LAG, legend: '{{service}} {{group}}' }],
        unit: 'short',
      },
      {
        title: 'Batch handling time p50 / p99',
        description: 'One batch: handled, outputs acknowledged, offsets committed.',
        targets: [
          {
            expr: quantile(0.5, 'kafka_batch_handler_seconds_bucket', 'service, topic'),
            legend: 'p50 {{service}} {{topic}}',
          },
          {
            expr: quantile(0.99, 'kafka_batch_handler_seconds_bucket', 'service, topic'),
            legend: 'p99 {{service}} {{topic}}',
          },
        ],
        unit: 's',
      },
      {
        title: 'Dead letters',
        description: 'Records sent to <topic>-dlq, by source topic and reason (docs/operations.md, dead letters).',
        targets: [
          {
            expr: `sum by (service, topic, reason) (${rate('kafka_dead_letter_records_total')})`,
            legend: '{{service}} {{topic}} {{reason}}',
          },
        ],
        unit: 'rps',
      },
      {
        title: 'Batch retries',
        description: 'Batches tried again after a handler or produce error.',
        targets: [
          { expr: `sum by (service, topic) (${rate('kafka_batch_retries_total')})`, legend: '{{service}} {{topic}}' },
        ],
        unit: 'rps',
      },
      {
        title: 'Instances ready',
        description: 'Instances answering 200 on /health, per service.',
        targets: [{ expr: 'sum by (service) (service_ready)', legend: '{{service}}' }],
        unit: 'short',
      },
      {
        title: 'Readiness checks down',
        description: 'Dependencies an instance cannot use (kafka, postgres, a consumer, shutdown).',
        targets: [
          { expr: 'count by (service, check) (service_readiness_check_up == 0)', legend: '{{service}} {{check}}' },
        ],
        unit: 'short',
      },
    ],
  },
  {
    row: 'Ingest',
    panels: [
      {
        title: 'Cart events taken in',
        description: 'By input (raw topic, HTTP, webhook) and outcome (accepted, rejected-<reason>…).',
        targets: [
          { expr: `sum by (input, outcome) (${rate('ingest_cart_events_total')})`, legend: '{{input}} {{outcome}}' },
        ],
        unit: 'rps',
      },
      {
        title: 'Webhook deliveries refused',
        description: 'Platform webhooks whose signature was missing or wrong.',
        targets: [
          {
            expr: `sum by (platform, check) (${rate('ingest_webhook_refusals_total')})`,
            legend: '{{platform}} {{check}}',
          },
        ],
        unit: 'rps',
      },
    ],
  },
  {
    row: 'Scheduler',
    panels: [
      {
        title: 'Cart timers',
        description: 'Carts with a timer set, and those due and not yet emitted (the same figure from every instance).',
        targets: [
          { expr: 'max(scheduler_timers_pending)', legend: 'pending' },
          { expr: 'max(scheduler_timers_due)', legend: 'due, not yet emitted' },
        ],
        unit: 'short',
      },
      {
        title: 'Emission lag p50 / p99',
        description: 'From dueAt to the send-due acknowledged by Kafka; and the oldest due timer still waiting.',
        targets: [
          { expr: quantile(0.5, 'scheduler_send_due_lag_seconds_bucket'), legend: 'p50' },
          { expr: quantile(0.99, 'scheduler_send_due_lag_seconds_bucket'), legend: 'p99' },
          { expr: 'max(scheduler_timers_overdue_seconds)', legend: 'oldest due timer waiting' },
        ],
        unit: 's',
      },
      {
        title: 'Timers fired',
        description: 'By result: emitted, expired, skipped-<reason>, held.',
        targets: [{ expr: `sum by (result) (${rate('scheduler_timers_fired_total')})`, legend: '{{result}}' }],
        unit: 'rps',
      },
      {
        title: 'Cart events merged',
        description: 'Into cart state; re-plans by a settings change or an opt-out.',
        targets: [
          { expr: `sum by (result) (${rate('scheduler_cart_events_total')})`, legend: '{{result}}' },
          { expr: `sum by (cause) (${rate('scheduler_carts_replanned_total')})`, legend: 're-planned: {{cause}}' },
        ],
        unit: 'rps',
      },
    ],
  },
  {
    row: 'Sender',
    panels: [
      {
        title: 'Send-dues by outcome',
        description: 'sent, failed, skipped-<reason>, expired, deferred, duplicate, unknown.',
        targets: [{ expr: `sum by (result) (${rate('sender_messages_total')})`, legend: '{{result}}' }],
        unit: 'rps',
      },
      {
        title: 'Graph API errors by code',
        description: 'Failed calls by kind and Graph error code (none: timeout or network).',
        targets: [
          { expr: `sum by (kind, code) (${rate('sender_graph_api_errors_total')})`, legend: '{{kind}} {{code}}' },
        ],
        unit: 'rps',
      },
      {
        title: 'Send rate per phone number and its limit',
        description:
          'Messages accepted per second per business phone number id, all instances together, against the limit the instances share.',
        targets: [
          { expr: 'sum by (phone_number_id) (rate(sender_number_messages_total[1m]))', legend: '{{phone_number_id}}' },
          { expr: 'max by (phone_number_id) (sender_number_throughput_limit)', legend: 'limit {{phone_number_id}}' },
        ],
        unit: 'rps',
        width: 24,
      },
      {
        title: 'Send-due wait p50 / p95',
        description: "From a send-due's dueAt to the sender deciding it (alert: CartRecoverySendDueWaiting).",
        targets: [
          { expr: quantile(0.5, 'sender_send_due_age_seconds_bucket'), legend: 'p50' },
          { expr: quantile(0.95, 'sender_send_due_age_seconds_bucket'), legend: 'p95' },
        ],
        unit: 's',
      },
      {
        title: 'Delivery time p50 / p99',
        description: 'From the intent recorded to the send settled (retries and limits included).',
        targets: [
          { expr: quantile(0.5, 'sender_delivery_seconds_bucket'), legend: 'p50' },
          { expr: quantile(0.99, 'sender_delivery_seconds_bucket'), legend: 'p99' },
        ],
        unit: 's',
      },
      {
        title: 'Status webhooks',
        description: 'Statuses applied to messages (delivered, read, failed…).',
        targets: [
          {
            expr: `sum by (status) (${rate('sender_webhook_statuses_total{result="applied"}')})`,
            legend: '{{status}}',
          },
        ],
        unit: 'rps',
      },
      {
        title: 'Stores paused',
        description: 'Stores whose token or account WhatsApp refused: their messages wait for new settings.',
        targets: [{ expr: 'max(sender_stores_paused)', legend: 'paused' }],
        unit: 'short',
        kind: 'stat',
      },
      {
        title: 'Messages left unknown',
        description: 'Called, never answered, no status webhook (over the time range).',
        targets: [{ expr: total('sender_unknown_sends_total'), legend: 'unknown' }],
        unit: 'short',
        kind: 'stat',
      },
    ],
  },
  {
    row: 'Business (over the time range)',
    panels: [
      ...(
        [
          ['Messages sent', 'Accepted by WhatsApp.', total('sender_messages_total{result="sent"}')],
          [
            'Delivered',
            'Status webhooks: delivered.',
            total('sender_webhook_statuses_total{status="delivered",result="applied"}'),
          ],
          ['Read', 'Status webhooks: read.', total('sender_webhook_statuses_total{status="read",result="applied"}')],
          ['Failed', 'Messages that failed for good.', total('sender_messages_total{result="failed"}')],
          [
            'Recovered carts',
            'Carts converted after their message went out (the stats API has them per store, with the revenue).',
            total('scheduler_carts_recovered_total'),
          ],
          ['Opt-outs', 'Shoppers who asked to stop.', total('sender_opt_outs_total')],
        ] as const
      ).map(([title, description, expr]): Panel => ({
        title,
        description,
        targets: [{ expr, legend: title }],
        unit: 'short',
        kind: 'stat',
        width: 4,
      })),
    ],
  },
];

export function dashboard(): Record<string, unknown> {
  const datasource = { type: 'prometheus', uid: '${datasource}' };
  const panels: Record<string, unknown>[] = [];
  let id = 1;
  let y = 0;
  for (const { row, panels: rowPanels } of ROWS) {
    panels.push({ id: id++, type: 'row', title: row, collapsed: false, gridPos: { h: 1, w: 24, x: 0, y }, panels: [] });
    y += 1;
    let x = 0;
    for (const p of rowPanels) {
      const w = p.width ?? 12;
      const h = p.kind === 'stat' ? 4 : 8;
      if (x + w > 24) {
        x = 0;
        y += 8;
      }
      panels.push({
        id: id++,
        type: p.kind ?? 'timeseries',
        title: p.title,
        description: p.description,
        datasource,
        gridPos: { h, w, x, y },
        fieldConfig: { defaults: { unit: p.unit }, overrides: [] },
        options:
          p.kind === 'stat'
            ? { reduceOptions: { calcs: ['lastNotNull'], fields: '', values: false }, colorMode: 'value' }
            : { legend: { displayMode: 'list', placement: 'bottom', showLegend: true }, tooltip: { mode: 'multi' } },
        targets: p.targets.map((t, i) => ({
          refId: String.fromCharCode(65 + i),
          datasource,
          expr: t.expr,
          legendFormat: t.legend,
          ...(p.kind === 'stat' ? { instant: true } : { range: true }),
        })),
      });
      x += w;
    }
    y += 8;
  }
  return {
    $comment: 'Generated by `npm run grafana:dashboard` (scripts/grafana/dashboard.ts); do not edit.',
    uid: 'cart-recovery',
    title: 'Cart recovery',
    tags: ['cart-recovery', 'kafka', 'whatsapp'],
    timezone: 'browser',
    schemaVersion: 39,
    version: 1,
    editable: true,
    refresh: '30s',
    time: { from: 'now-6h', to: 'now' },
    templating: {
      list: [
        { name: 'datasource', label: 'Prometheus', type: 'datasource', query: 'prometheus', current: {}, hide: 0 },
      ],
    },
    annotations: { list: [] },
    panels,
  };
}

/** Every PromQL query of the dashboard, with Grafana's variables as Prometheus would get them. */
export function dashboardQueries(): string[] {
  return ROWS.flatMap((r) => r.panels.flatMap((p) => p.targets.map((t) => t.expr)));
}

export async function dashboardText(): Promise<string> {
  const prettier = await import('prettier');
  const options = (await prettier.resolveConfig(DASHBOARD_FILE)) ?? {};
  return prettier.format(JSON.stringify(dashboard()), { ...options, filepath: DASHBOARD_FILE });
}

if (require.main === module) {
  void (async () => {
    const { readFileSync, writeFileSync } = await import('node:fs');
    const text = await dashboardText();
    const check = process.argv.includes('--check');
    let current = '';
    try {
      current = readFileSync(DASHBOARD_FILE, 'utf8');
    } catch {
      // not written yet
    }
    if (current === text) return console.log('dashboard up to date');
    if (check) {
      console.error(`out of date (npm run grafana:dashboard): ${DASHBOARD_FILE}`);
      process.exit(1);
    }
    writeFileSync(DASHBOARD_FILE, text);
    console.log(`written: ${DASHBOARD_FILE}`);
  })();
}
