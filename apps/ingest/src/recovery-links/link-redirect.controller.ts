import { Controller, Get, Inject, NotFoundException, Param, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { setTimeout as sleep } from 'node:timers/promises';
import { cartKey, TOPIC, type LinkClick } from '@lib/contracts';
import { KafkaService } from '@lib/kafka';
import { LOGGER } from '@lib/observability';
import type { Logger } from '@lib/observability';
import { verifyLinkToken } from '@lib/secrets';
import type { IngestConfig } from '../config';
import { IngestMetrics } from '../ingest.metrics';
import { StoreSettingsView } from '../store-directory/store-settings.view';
import { INGEST_CONFIG } from '../tokens';
import { redirectUrl } from './link-redirect';
import { isCountedClick, userAgentClassOf } from './link-visitor';
import { RecoveryLinkRepository, StoredLink } from './recovery-link.repository';

const LOOKUP_EVERY_MS = 150;

/**
 * `GET /r/{token}`: public, a message's link. The token's tag is checked before anything else
 * (a few HMACs, no database), so forged links cost nothing and record nothing. A live link
 * answers 302 to the store's recovery URL with UTM parameters; a shopper's click is counted
 * and published on `link-clicks`, a preview or bot fetch only redirected (link-visitor.ts).
 */
@Controller('r')
export class LinkRedirectController {
  constructor(
    private readonly repository: RecoveryLinkRepository,
    private readonly stores: StoreSettingsView,
    private readonly kafka: KafkaService,
    private readonly metrics: IngestMetrics,
    @Inject(INGEST_CONFIG) private readonly config: IngestConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  @Get(':token')
  async follow(@Param('token') token: string, @Req() request: FastifyRequest, @Res() reply: FastifyReply) {
    const keys = this.config.LINK_SIGNING_KEYS;
    if (!keys || !verifyLinkToken(keys, token)) {
      this.metrics.linkVisits.inc({ result: 'forged' });
      throw new NotFoundException('no such link');
    }
    const link = await this.lookup(token);
    if (!link) {
      this.metrics.linkVisits.inc({ result: 'unknown' });
      throw new NotFoundException('no such link');
    }
    // A deleted store's links lead nowhere any more (documented: 404, not its home page).
    if (this.stores.ready && !this.stores.get(link.storeId)) {
      this.metrics.linkVisits.inc({ result: 'store-deleted' });
      throw new NotFoundException('no such link');
    }
    const userAgent = request.headers['user-agent'];
    if (isCountedClick({ method: request.method, userAgent })) await this.countClick(link, userAgent);
    else {
      this.metrics.linkVisits.inc({ result: 'preview' });
      await this.repository.countPreview(token).catch(() => undefined);
    }
    await reply
      .code(302)
      .headers({
        location: redirectUrl(link.destination, link),
        // Every tap reaches us (a cached redirect would hide the click), and the store's page
        // is not told the token.
        'cache-control': 'no-store',
        'referrer-policy': 'no-referrer',
        'x-robots-tag': 'noindex',
      })
      .send();
  }

  /** The link, waiting up to LINK_WAIT_MS for one the sender published a moment ago. */
  private async lookup(token: string): Promise<StoredLink | undefined> {
    const giveUpAt = Date.now() + this.config.LINK_WAIT_MS;
    for (;;) {
      const link = await this.repository.find(token, new Date());
      if (link || Date.now() + LOOKUP_EVERY_MS > giveUpAt) return link;
      await sleep(LOOKUP_EVERY_MS);
    }
  }

  /**
   * Records the click, then publishes it for the scheduler's stats. The shopper is redirected
   * whatever happens: a click Kafka refused stays counted in recovery_links, missing from the stats.
   */
  private async countClick(link: StoredLink, userAgent: string | undefined): Promise<void> {
    const now = new Date();
    try {
      const totals = await this.repository.countClick(link.token, now, userAgentClassOf(userAgent));
      const click: LinkClick = {
        schemaVersion: 1,
        sendId: link.sendId,
        storeId: link.storeId,
        cartId: link.cartId,
        firstClickedAt: totals.firstClickedAt.toISOString(),
        clickedAt: now.toISOString(),
        clicks: totals.clicks,
        userAgentClass: totals.userAgentClass,
      };
      await this.kafka.producer.send([
        {
          topic: this.kafka.topic(TOPIC.linkClicks),
          key: cartKey(link.storeId, link.cartId),
          value: JSON.stringify(click),
        },
      ]);
      this.metrics.linkVisits.inc({ result: 'clicked' });
    } catch (error) {
      this.metrics.linkVisits.inc({ result: 'click-unrecorded' });
      this.logger.warn({ err: error, sendId: link.sendId }, 'a click on a recovery link was not recorded');
    }
  }
}
