import { Controller, Get, Inject, Param, Query, UseGuards } from '@nestjs/common';
import { checkShopperDataQuery, type SenderShopperData } from '@lib/contracts';
import { ApiKeyGuard, inputRefusal } from '@lib/runtime';
import type { SenderConfig } from '../config';
import { SENDER_CONFIG } from '../tokens';
import { ShopperDataRepository } from './shopper-data.repository';

/**
 * The sender's part of a shopper's access request (`GET /v1/shoppers/{phone}/data`), asked by
 * ingest with the platform's key it was called with: the only route the platform's keys open
 * here. Nothing is logged of the phone.
 */
@Controller('v1/shoppers/:phone/data')
@UseGuards(ApiKeyGuard)
export class ShopperDataController {
  constructor(
    private readonly repository: ShopperDataRepository,
    @Inject(SENDER_CONFIG) private readonly config: SenderConfig,
  ) {}

  @Get()
  get(@Param('phone') phone: string, @Query('storeId') storeId?: unknown): Promise<SenderShopperData> {
    const query = checkShopperDataQuery(phone, storeId);
    if (!query.ok) throw inputRefusal('invalid access request', query);
    const phoneHash = this.config.ERASURE_HASH_KEY?.hash(query.phone) ?? null;
    return this.repository.read(query.phone, query.storeId, phoneHash);
  }
}
