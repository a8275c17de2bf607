import { Inject, Injectable } from '@nestjs/common';
import { Counter, Gauge, Histogram } from 'prom-client';
import { METRICS } from '@lib/observability';
import type { Metrics } from '@lib/observability';

/** The sender's own Prometheus metrics (besides the Kafka layer's). */
@Injectable()
export class SenderMetrics {
  readonly decisions: Counter<'result'>;
  readonly apiCalls: Counter<'result'>;
  readonly deliverySeconds: Histogram;
  readonly storePaused: Counter<'store_id' | 'code'>;
  readonly storesPaused: Gauge;
  readonly marketingTermsMissing: Counter<'store_id' | 'action'>;
  readonly webhookStatuses: Counter<'status' | 'result'>;
  readonly webhooksRejected: Counter<'reason'>;
  readonly optOuts: Counter<'source'>;
  readonly unknownSends: Counter;
  readonly grantRenewals: Counter;
  readonly graphErrors: Counter<'kind' | 'code'>;
  readonly numberMessages: Counter<'phone_number_id'>;
  readonly numberLimit: Gauge<'phone_number_id'>;
  readonly sendDueAge: Histogram;
  readonly purgedRows: Counter<'table'>;
  readonly blankedBodies: Counter;
  readonly purgeSeconds: Histogram;
  readonly limitedByMeta: Counter<'store_id'>;
  readonly pacedReleased: Counter<'store_id' | 'store_closed'>;
  readonly templatePaused: Counter<'store_id' | 'template' | 'status'>;
  readonly templatesHolding: Gauge;
  readonly templateWebhooks: Counter<'kind'>;
  readonly identitiesLearnt: Counter;

  constructor(@Inject(METRICS) metrics: Metrics) {
    const registers = [metrics.registry];
    this.decisions = new Counter({
      name: 'sender_messages_total',
      help: 'Send-dues handled, by result (sent, paced, failed, skipped-<reason>, expired, deferred, duplicate, unknown)',
      labelNames: ['result'],
      registers,
    });
    this.apiCalls = new Counter({
      name: 'sender_graph_api_calls_total',
      help: 'Calls to the WhatsApp Cloud API send endpoint, by result (accepted, transient, permanent, token-rejected)',
      labelNames: ['result'],
      registers,
    });
    this.deliverySeconds = new Histogram({
      name: 'sender_delivery_seconds',
      help: 'From the intent recorded to the send settled (retries and limits included)',
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60],
      registers,
    });
    this.storePaused = new Counter({
      name: 'sender_store_paused_total',
      help: 'Stores paused because WhatsApp rejected their token or account: alert on any increase',
      labelNames: ['store_id', 'code'],
      registers,
    });
    this.marketingTermsMissing = new Counter({
      name: 'sender_marketing_terms_missing_total',
      help: 'Marketing sends refused with 131055 (the business has not accepted the Marketing Messages API terms), by what the sender did: paused (the store waits for new settings) or fallback (sent through /messages): alert on any increase',
      labelNames: ['store_id', 'action'],
      registers,
    });
    this.storesPaused = new Gauge({
      name: 'sender_stores_paused',
      help: 'Stores paused now (their messages wait for new settings)',
      registers,
    });
    this.webhookStatuses = new Counter({
      name: 'sender_webhook_statuses_total',
      help: 'Status updates received, by status and result (applied, already-known, unknown-message)',
      labelNames: ['status', 'result'],
      registers,
    });
    this.grantRenewals = new Counter({
      name: 'sender_throughput_grant_renewals_total',
      help: 'Throughput grants too old when their call was about to leave (a slow step before the call), renewed',
      registers,
    });
    this.webhooksRejected = new Counter({
      name: 'sender_webhooks_rejected_total',
      help: 'Webhook POSTs refused (missing or bad signature)',
      labelNames: ['reason'],
      registers,
    });
    this.optOuts = new Counter({
      name: 'sender_opt_outs_total',
      help: 'Opt-outs recorded, by source (reply keyword, message-outcomes, 131050)',
      labelNames: ['source'],
      registers,
    });
    this.graphErrors = new Counter({
      name: 'sender_graph_api_errors_total',
      help: 'Graph API calls that failed, by kind (transient, permanent, token-rejected) and Graph error code (none: timeout or network)',
      labelNames: ['kind', 'code'],
      registers,
    });
    this.numberMessages = new Counter({
      name: 'sender_number_messages_total',
      help: 'Messages the Graph API accepted, per business phone number id',
      labelNames: ['phone_number_id'],
      registers,
    });
    this.numberLimit = new Gauge({
      name: 'sender_number_throughput_limit',
      help: 'Messages per second a business phone number id may send (all sender instances together)',
      labelNames: ['phone_number_id'],
      registers,
    });
    this.sendDueAge = new Histogram({
      name: 'sender_send_due_age_seconds',
      help: "From a send-due's dueAt to the sender deciding it (how long it waited in send-due)",
      buckets: [1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600],
      registers,
    });
    this.unknownSends = new Counter({
      name: 'sender_unknown_sends_total',
      help: 'Sends left without an answer (crash) and no status webhook: never sent again, marked unknown',
      registers,
    });
    this.purgedRows = new Counter({
      name: 'sender_purged_rows_total',
      help: 'Rows the retention purge deleted, by table (messages, cart_closures, contacts)',
      labelNames: ['table'],
      registers,
    });
    this.blankedBodies = new Counter({
      name: 'sender_message_bodies_blanked_total',
      help: 'Messages whose rendered text, template and send-due the retention purge blanked (the row kept)',
      registers,
    });
    this.purgeSeconds = new Histogram({
      name: 'sender_purge_transaction_seconds',
      help: 'One purge transaction: look at a batch of rows, delete or blank those that may go',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers,
    });
    this.limitedByMeta = new Counter({
      name: 'sender_limited_by_meta_total',
      help: 'Messages Meta did not deliver for its per-user marketing limit (131049), per store: the shopper is held 24 h',
      labelNames: ['store_id'],
      registers,
    });
    this.pacedReleased = new Counter({
      name: 'sender_paced_released_total',
      help: 'Messages Meta held back for a paced template and then released (a sent webhook), per store and whether the store was closed by then (store_closed="true": the shopper got it outside opening hours)',
      labelNames: ['store_id', 'store_closed'],
      registers,
    });
    this.templatePaused = new Counter({
      name: 'sender_template_paused_total',
      help: 'Stores whose template sends Meta paused or disabled (message_template_status_update): alert on any increase',
      labelNames: ['store_id', 'template', 'status'],
      registers,
    });
    this.templatesHolding = new Gauge({
      name: 'sender_templates_paused',
      help: 'Templates paused or disabled by Meta now (the stores sending them wait until approved again)',
      registers,
    });
    this.templateWebhooks = new Counter({
      name: 'sender_template_webhooks_total',
      help: 'Template webhooks received, by kind (status, category-impending, category-completed)',
      labelNames: ['kind'],
      registers,
    });
    this.identitiesLearnt = new Counter({
      name: 'sender_shopper_identities_learnt_total',
      help: "Shoppers' business-scoped user ids paired with their phone for a store",
      registers,
    });
  }
}
