import { Controller, Get, Headers, HttpException, Inject, Param, Query, UseGuards } from '@nestjs/common';
import {
  checkShopperDataQuery,
  type IngestShopperData,
  type ShopperData,
  type ShopperDataService,
} from '@lib/contracts';
import { LOGGER } from '@lib/observability';
import type { Logger } from '@lib/observability';
import { ApiKeyGuard, inputRefusal } from '@lib/runtime';
import type { IngestConfig } from '../config';
import { erasureStatus } from '../erasure/erasure-request';
import { ErasureRequestRepository } from '../erasure/erasure-request.repository';
import { INGEST_CONFIG } from '../tokens';
import { shopperDataAnswer, type ServiceAnswer } from './shopper-data-answer';

const SERVICE_TIMEOUT_MS = 10_000;

/**
 * A shopper's access request (GDPR art. 15), `GET /v1/shoppers/{phone}/data?storeId=`:
 * ingest's own part (the erasure requests for the phone's keyed hash) and the scheduler's and
 * the sender's, each asked the same path with the platform's key this request came with (they
 * check it themselves). Logs name the store and the outcome, never the phone.
 */
@Controller('v1/shoppers/:phone/data')
@UseGuards(ApiKeyGuard)
export class ShopperDataController {
  constructor(
    private readonly erasures: ErasureRequestRepository,
    @Inject(INGEST_CONFIG) private readonly config: IngestConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  @Get()
  async get(
    @Param('phone') phone: string,
    @Headers('authorization') authorization: string,
    @Query('storeId') storeId?: unknown,
  ): Promise<ShopperData> {
    const query = checkShopperDataQuery(phone, storeId);
    if (!query.ok) throw inputRefusal('invalid access request', query);
    const generatedAt = new Date();
    const [ingest, scheduler, sender] = await Promise.all([
      this.ingestPart(query.phone, query.storeId),
      this.ask('scheduler', query.phone, query.storeId, authorization),
      this.ask('sender', query.phone, query.storeId, authorization),
    ]);
    const decision = shopperDataAnswer({ ...query, generatedAt }, ingest, { scheduler, sender });
    if (!decision.ok) {
      this.logger.warn({ storeId: query.storeId, service: decision.service }, decision.message);
      const error = decision.status === 502 ? 'Bad Gateway' : 'Service Unavailable';
      throw new HttpException(
        { statusCode: decision.status, error, message: decision.message, service: decision.service },
        decision.status,
      );
    }
    this.logger.info({ storeId: query.storeId }, 'access request answered');
    return decision.answer;
  }

  private async ingestPart(phone: string, storeId: string | null): Promise<IngestShopperData> {
    const key = this.config.ERASURE_HASH_KEY;
    if (!key) return { erasureRequests: [] };
    return { erasureRequests: (await this.erasures.forPhone(key.hash(phone), storeId)).map(erasureStatus) };
  }

  private async ask(
    service: ShopperDataService,
    phone: string,
    storeId: string | null,
    authorization: string,
  ): Promise<ServiceAnswer> {
    const base = (
      service === 'scheduler' ? this.config.SHOPPER_DATA_SCHEDULER_URL : this.config.SHOPPER_DATA_SENDER_URL
    )?.replace(/\/+$/, '');
    if (!base) return { ok: false, why: 'unset' };
    const search = storeId ? `?${new URLSearchParams({ storeId })}` : '';
    let response: Response;
    try {
      response = await fetch(`${base}/v1/shoppers/${encodeURIComponent(phone)}/data${search}`, {
        headers: { authorization, accept: 'application/json' },
        signal: AbortSignal.timeout(SERVICE_TIMEOUT_MS),
      });
    } catch {
      return { ok: false, why: 'no answer' };
    }
    if (!response.ok) {
      await response.body?.cancel();
      return { ok: false, why: 'refused', status: response.status };
    }
    const body: unknown = await response.json().catch(() => undefined);
    return { ok: true, body };
  }
}
