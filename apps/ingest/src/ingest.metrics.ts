import { Inject, Injectable } from '@nestjs/common';
import { Counter, Gauge } from 'prom-client';
import { METRICS } from '@lib/observability';
import type { Metrics } from '@lib/observability';

/** Ingest's own Prometheus metrics (besides the Kafka layer's). */
@Injectable()
export class IngestMetrics {
  /** Cart events by input (raw, http, webhook) and outcome (accepted, rejected-<reason>, received, ignored). */
  readonly cartEvents: Counter<'input' | 'outcome'>;
  /** Carts kept without a reachable customer because the phone could not be read. */
  readonly unreachableCustomers: Counter<'reason'>;
  /** Webhook deliveries refused: signature missing or wrong, or the store has no secret. */
  readonly webhookRefusals: Counter<'platform' | 'check'>;
  /** Stores whose webhook secret does not open (a key missing from the keyring, or plaintext). */
  readonly unreadableSecrets: Gauge;

  /** Seconds since the instant the most-behind polled store has been reconciled up to. */
  readonly shopifyPollLag: Gauge;
  /** Admin API requests of the reconciliation poll by outcome (page, throttled, unauthorized, failed). */
  readonly shopifyPollRequests: Counter<'outcome'>;
  /** Checkouts and orders the poll published to cart-events-raw, by connection. */
  readonly shopifyPollEvents: Counter<'resource'>;
  /** Stores whose poll is paused because Shopify refused their Admin API token. */
  readonly shopifyPollPausedStores: Gauge;
  /** GET /r/{token} answers: clicked, preview (bots), forged, unknown, store-deleted, click-unrecorded. */
  readonly linkVisits: Counter<'result'>;

  constructor(@Inject(METRICS) metrics: Metrics) {
    const registers = [metrics.registry];
    this.cartEvents = new Counter({
      name: 'ingest_cart_events_total',
      help: 'Cart events taken in, by input and outcome',
      labelNames: ['input', 'outcome'],
      registers,
    });
    this.unreachableCustomers = new Counter({
      name: 'ingest_unreachable_customers_total',
      help: 'Phones that could not be normalized to E.164 (the cart is kept, without a reachable customer)',
      labelNames: ['reason'],
      registers,
    });
    this.webhookRefusals = new Counter({
      name: 'ingest_webhook_refusals_total',
      help: 'Webhook deliveries refused, by platform and signature check',
      labelNames: ['platform', 'check'],
      registers,
    });
    this.unreadableSecrets = new Gauge({
      name: 'ingest_store_secrets_unreadable',
      help: 'Stores whose webhook secret does not open with SECRETS_ENCRYPTION_KEYS (their webhooks are refused)',
      registers,
    });
    this.shopifyPollLag = new Gauge({
      name: 'ingest_shopify_poll_lag_seconds',
      help: 'Age of the oldest since-bookmark among the stores the Shopify reconciliation poll keeps (paused ones aside)',
      registers,
    });
    this.shopifyPollRequests = new Counter({
      name: 'ingest_shopify_poll_requests_total',
      help: 'Shopify Admin GraphQL requests of the reconciliation poll, by outcome',
      labelNames: ['outcome'],
      registers,
    });
    this.shopifyPollEvents = new Counter({
      name: 'ingest_shopify_poll_events_total',
      help: 'Checkouts and orders the reconciliation poll published to cart-events-raw, by connection',
      labelNames: ['resource'],
      registers,
    });
    this.shopifyPollPausedStores = new Gauge({
      name: 'ingest_shopify_poll_paused_stores',
      help: 'Stores whose reconciliation poll is paused: Shopify refused their Admin API token (401/403)',
      registers,
    });
    this.linkVisits = new Counter({
      name: 'ingest_link_visits_total',
      help: 'Visits of recovery links (GET /r/{token}), by result: clicked, preview, forged, unknown, store-deleted, click-unrecorded',
      labelNames: ['result'],
      registers,
    });
  }
}
