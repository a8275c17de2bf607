import {
  Controller,
  Headers,
  HttpCode,
  Inject,
  NotFoundException,
  Param,
  PayloadTooLargeException,
  Post,
  Req,
  UnauthorizedException,
  ServiceUnavailableException,
  UnsupportedMediaTypeException,
} from '@nestjs/common';
import type { RawBodyRequest } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { cartKey, CART_ID_PATTERN, MAX_RECORD_BYTES, STORE_ID_PATTERN, TOPIC } from '@lib/contracts';
import { KafkaService } from '@lib/kafka';
import { LOGGER } from '@lib/observability';
import type { Logger } from '@lib/observability';
import { publishOrUnavailable } from '../cart-events-api/publish';
import { IngestMetrics } from '../ingest.metrics';
import { PLATFORM_ADAPTERS, RequestHeaders } from '../platforms';
import {
  PLATFORM_DELIVERY_HEADER,
  PLATFORM_EVENT_HEADER,
  PLATFORM_TOPIC_HEADER,
  PLATFORM_TRIGGERED_AT_HEADER,
  SOURCE_HEADER,
  STORE_ID_HEADER,
} from '../raw-events/accept-cart-event';
import { StoreSettingsView } from '../store-directory/store-settings.view';

const STORE_ID = new RegExp(STORE_ID_PATTERN);
const CART_ID = new RegExp(CART_ID_PATTERN);

/**
 * `POST /v1/webhooks/{platform}/{storeId}` (Shopify: `/v1/webhooks/shopify/{storeId}`).
 * Verifies the signature over the raw body with the store's secret, then writes the native
 * payload, bytes unchanged, to `cart-events-raw` with its `source` header: the raw-events
 * pipeline translates it like any other record, and a payload it cannot read lands in the
 * DLQ instead of being refused (a platform retries refusals for days). The answer is sent
 * once Kafka acknowledged, so a 200 means the delivery is kept.
 */
@Controller('v1/webhooks')
export class PlatformWebhooksController {
  constructor(
    private readonly kafka: KafkaService,
    private readonly stores: StoreSettingsView,
    private readonly metrics: IngestMetrics,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  @Post(':platform/:storeId')
  @HttpCode(200)
  async receive(
    @Param('platform') platform: string,
    @Param('storeId') storeId: string,
    @Headers() headers: RequestHeaders,
    @Req() request: RawBodyRequest<FastifyRequest>,
  ) {
    const adapter = PLATFORM_ADAPTERS.get(platform);
    const webhooks = adapter?.webhooks;
    if (!adapter || !webhooks) throw new NotFoundException(`no webhooks for platform "${platform}"`);
    if (!STORE_ID.test(storeId)) throw new NotFoundException('unknown store');
    const rawBody = request.rawBody;
    if (!rawBody) throw new UnsupportedMediaTypeException('webhook bodies are application/json');
    if (rawBody.length > MAX_RECORD_BYTES) throw new PayloadTooLargeException(`over ${MAX_RECORD_BYTES} bytes`);

    // Before the stores are read every secret would look missing: the platform retries a 503.
    if (!this.stores.ready) throw new ServiceUnavailableException('store settings not read yet; try again');
    const secret = this.stores.webhookSecret(storeId, platform);
    const check = secret ? webhooks.verify(rawBody, headers, secret) : 'invalid';
    if (check !== 'valid') {
      this.metrics.webhookRefusals.inc({ platform, check: secret ? check : 'no-secret' });
      this.logger.warn({ platform, storeId, check: secret ? check : 'no-secret' }, 'webhook refused');
      throw new UnauthorizedException(
        check === 'missing' ? 'missing webhook signature' : 'webhook signature does not match the store secret',
      );
    }

    const topic = webhooks.topicOf(headers);
    if (!topic || !adapter.topics.includes(topic)) {
      // Answered 200 so the platform does not retry an event it was subscribed to by mistake.
      this.metrics.cartEvents.inc({ input: 'webhook', outcome: 'ignored' });
      return { status: 'ignored', reason: `topic ${topic ?? '(none)'} carries no cart event` };
    }
    const cartId = webhooks.cartIdOf(request.body);
    const deliveryId = webhooks.deliveryIdOf(headers);
    const platformEventId = webhooks.eventIdOf?.(headers);
    const triggeredAt = webhooks.triggeredAtOf?.(headers);
    await publishOrUnavailable(this.kafka, [
      {
        topic: this.kafka.topic(TOPIC.cartEventsRaw),
        key: cartId && CART_ID.test(cartId) ? cartKey(storeId, cartId) : storeId,
        value: rawBody,
        headers: {
          [SOURCE_HEADER]: platform,
          [STORE_ID_HEADER]: storeId,
          [PLATFORM_TOPIC_HEADER]: topic,
          ...(deliveryId ? { [PLATFORM_DELIVERY_HEADER]: deliveryId } : {}),
          ...(platformEventId ? { [PLATFORM_EVENT_HEADER]: platformEventId } : {}),
          ...(triggeredAt ? { [PLATFORM_TRIGGERED_AT_HEADER]: triggeredAt } : {}),
        },
      },
    ]);
    this.metrics.cartEvents.inc({ input: 'webhook', outcome: 'received' });
    return { status: 'received' };
  }
}
