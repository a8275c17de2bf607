import { Inject, Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { createHash, randomUUID } from 'node:crypto';
import { CART_ID_PATTERN, cartKey, TOPIC } from '@lib/contracts';
import { KafkaService } from '@lib/kafka';
import { LOGGER } from '@lib/observability';
import type { Logger } from '@lib/observability';
import { openAdminApiToken } from '@lib/secrets';
import type { IngestConfig } from '../config';
import { IngestMetrics } from '../ingest.metrics';
import { PLATFORM_TOPIC_HEADER, SOURCE_HEADER, STORE_ID_HEADER } from '../raw-events/accept-cart-event';
import { INGEST_CONFIG } from '../tokens';
import { askAdminApi } from './admin-api.client';
import { pageQuery, polledPayload } from './admin-graphql';
import {
  afterPage,
  decideStore,
  DEFAULT_OVERLAP_MS,
  DEFAULT_PAGE_SIZE,
  lagSeconds,
  nextRequest,
  PollPolicy,
  PollState,
  throttledWaitMs,
  waitForPoints,
} from './reconciliation-plan';
import { PollableStore, ReconciliationRepository } from './reconciliation.repository';

const CART_ID = new RegExp(CART_ID_PATTERN);
/** How long an instance holds a store between saves; a crashed holder's store is free after it. */
const LEASE_MS = 60_000;
/** A wait for Admin API points up to this long is slept through; a longer one ends the turn. */
const MAX_INLINE_WAIT_MS = 10_000;
/** Pages of one store in one turn, so one big store does not hold the others back. */
const MAX_PAGES_PER_TURN = 200;

/**
 * The per-store reconciliation poll of the Shopify Admin GraphQL API: every
 * `INGEST_SHOPIFY_POLL_INTERVAL_SECONDS`, for each store with an Admin API token, the
 * abandoned checkouts and orders updated since its bookmark, published to `cart-events-raw`
 * as the webhooks they stand for (`source: shopify`): the raw-events pipeline translates and
 * normalizes them like any delivery, and a checkout the webhooks already brought has the same
 * event id, which the scheduler drops. Decisions are `reconciliation-plan.ts`'s.
 */
@Injectable()
export class ShopifyReconciliation implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly owner = `ingest-${randomUUID()}`;
  private readonly policy: PollPolicy;
  private timer: NodeJS.Timeout | undefined;
  private stopping = false;
  private turn: Promise<void> | undefined;

  constructor(
    private readonly kafka: KafkaService,
    private readonly repository: ReconciliationRepository,
    private readonly metrics: IngestMetrics,
    @Inject(INGEST_CONFIG) private readonly config: IngestConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    this.policy = {
      lookbackMs: config.INGEST_SHOPIFY_POLL_LOOKBACK_HOURS * 3_600_000,
      overlapMs: DEFAULT_OVERLAP_MS,
      pageSize: DEFAULT_PAGE_SIZE,
    };
  }

  private get intervalMs(): number {
    return this.config.INGEST_SHOPIFY_POLL_INTERVAL_SECONDS * 1000;
  }

  onApplicationBootstrap(): void {
    if (this.intervalMs === 0) return;
    this.schedule();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopping = true;
    if (this.timer) clearTimeout(this.timer);
    await this.turn;
  }

  /** Stores are looked at often (due ones are polled); the interval is per store. */
  private schedule(): void {
    if (this.stopping) return;
    this.timer = setTimeout(
      () => {
        this.turn = this.tick()
          .catch((e) => this.logger.warn({ err: (e as Error).message }, 'shopify reconciliation turn failed'))
          .finally(() => this.schedule());
      },
      Math.min(this.intervalMs, 5000),
    );
  }

  /** One turn over every pollable store. */
  async tick(): Promise<void> {
    for (const store of await this.repository.dueStores()) {
      if (this.stopping) return;
      await this.pollStore(store);
    }
    const bookmarks = await this.repository.bookmarks();
    const now = new Date();
    const lags = bookmarks
      .filter((b) => !b.paused)
      .map((b) => lagSeconds({ since: b.since, pass: null }, now, this.policy));
    this.metrics.shopifyPollLag.set(lags.length ? Math.max(...lags) : 0);
    this.metrics.shopifyPollPausedStores.set(bookmarks.filter((b) => b.paused).length);
  }

  private async pollStore(store: PollableStore): Promise<void> {
    const { storeId, settings } = store;
    const sealed = settings.shopify?.adminApiAccessTokenCiphertext;
    const shopDomain = settings.shopify?.shopDomain;
    if (!sealed || !shopDomain) return;
    const claimed = await this.repository.claim(storeId, this.owner, LEASE_MS);
    if (!claimed) return;
    const fingerprint = createHash('sha256').update(sealed).digest('hex').slice(0, 32);
    switch (decideStore(claimed, fingerprint, new Date())) {
      case 'paused': // looked at again each interval: a new token resumes it
        await this.repository.release(storeId, this.owner, {
          nextPollAt: this.later(this.intervalMs),
          pausedToken: claimed.pausedToken,
          pausedReason: 'unauthorized',
        });
        return;
      case 'not-due':
        await this.repository.release(storeId, this.owner, {
          nextPollAt: claimed.nextPollAt === null ? null : new Date(claimed.nextPollAt),
        });
        return;
      case 'poll':
    }
    let accessToken: string | undefined;
    try {
      accessToken = openAdminApiToken(settings, 'shopify', this.config.SECRETS_ENCRYPTION_KEYS);
    } catch (e) {
      // Names the store and why, never the token.
      this.logger.error(
        { alert: 'store-secret-unreadable', storeId, platform: 'shopify', reason: (e as Error).message },
        'shopify admin API token does not open: the store is not reconciled until the keyring or the token is fixed',
      );
      this.metrics.shopifyPollRequests.inc({ outcome: 'token-unreadable' });
      await this.repository.release(storeId, this.owner, { nextPollAt: this.later(this.intervalMs) });
      return;
    }
    if (!accessToken) return;
    const target = {
      baseUrl: this.config.INGEST_SHOPIFY_ADMIN_API_URL ?? `https://${shopDomain}`,
      version: this.config.INGEST_SHOPIFY_ADMIN_API_VERSION,
      accessToken,
      timeoutMs: this.config.INGEST_SHOPIFY_TIMEOUT_MS,
    };

    let state: PollState = claimed.state;
    for (let pages = 0; pages < MAX_PAGES_PER_TURN && !this.stopping; pages++) {
      const next = nextRequest(state, new Date(), this.policy);
      state = next.state;
      const answer = await askAdminApi(target, next.request.resource, pageQuery(next.request));
      this.metrics.shopifyPollRequests.inc({ outcome: answer.kind });
      let waitMs = 0;
      switch (answer.kind) {
        case 'unauthorized':
          this.logger.error(
            { alert: 'shopify-poll-unauthorized', storeId, status: answer.status },
            'Shopify refused the store admin API token: its reconciliation is paused until another token is saved',
          );
          await this.repository.save(storeId, this.owner, state, LEASE_MS);
          await this.repository.release(storeId, this.owner, {
            nextPollAt: this.later(this.intervalMs),
            pausedToken: fingerprint,
            pausedReason: 'unauthorized',
          });
          return;
        case 'failed':
          this.logger.warn(
            { storeId, resource: next.request.resource, why: answer.why, transient: answer.transient },
            'shopify reconciliation request failed: tried again at the next interval',
          );
          await this.repository.save(storeId, this.owner, state, LEASE_MS);
          await this.repository.release(storeId, this.owner, { nextPollAt: this.later(this.intervalMs) });
          return;
        case 'throttled':
          waitMs = throttledWaitMs(answer.cost);
          break;
        case 'page': {
          await this.publish(storeId, next.request.resource, answer.nodes);
          const step = afterPage(state, answer.pageInfo);
          state = step.state;
          if (!(await this.repository.save(storeId, this.owner, state, LEASE_MS))) return; // lease lost
          if (step.done) {
            await this.repository.release(storeId, this.owner, { nextPollAt: this.later(this.intervalMs) });
            return;
          }
          waitMs = answer.cost ? waitForPoints(answer.cost) : 0;
        }
      }
      if (waitMs > MAX_INLINE_WAIT_MS) {
        await this.repository.save(storeId, this.owner, state, LEASE_MS);
        await this.repository.release(storeId, this.owner, { nextPollAt: this.later(waitMs) });
        return;
      }
      if (waitMs > 0) await new Promise((r) => setTimeout(r, waitMs));
    }
    // Out of pages for this turn (or stopping): the pass resumes at its cursor next turn.
    await this.repository.save(storeId, this.owner, state, LEASE_MS);
    await this.repository.release(storeId, this.owner, { nextPollAt: null });
  }

  /** Each node as the webhook it stands for, on cart-events-raw, acknowledged before the cursor moves. */
  private async publish(
    storeId: string,
    resource: 'abandonedCheckouts' | 'orders',
    nodes: Array<Record<string, unknown>>,
  ) {
    const records = nodes
      .map((node) => polledPayload(resource, node))
      .filter((p) => p !== undefined)
      .map((p) => ({
        topic: this.kafka.topic(TOPIC.cartEventsRaw),
        key: CART_ID.test(p.cartId) ? cartKey(storeId, p.cartId) : storeId,
        value: Buffer.from(JSON.stringify(p.payload)),
        headers: { [SOURCE_HEADER]: 'shopify', [STORE_ID_HEADER]: storeId, [PLATFORM_TOPIC_HEADER]: p.topic },
      }));
    if (records.length) await this.kafka.producer.send(records);
    this.metrics.shopifyPollEvents.inc({ resource }, records.length);
  }

  private later(ms: number): Date {
    return new Date(Date.now() + ms);
  }
}
