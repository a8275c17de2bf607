import { Controller, Get, Param, Query, UseGuards } from '@nestjs/common';
import { checkShopperDataQuery, type SchedulerShopperData } from '@lib/contracts';
import { ApiKeyGuard, inputRefusal } from '@lib/runtime';
import { ShopperDataRepository } from './shopper-data.repository';

/**
 * The scheduler's part of a shopper's access request (`GET /v1/shoppers/{phone}/data`),
 * asked by ingest with the platform's key it was called with. Nothing is logged of the phone.
 */
@Controller('v1/shoppers/:phone/data')
@UseGuards(ApiKeyGuard)
export class ShopperDataController {
  constructor(private readonly repository: ShopperDataRepository) {}

  @Get()
  get(@Param('phone') phone: string, @Query('storeId') storeId?: unknown): Promise<SchedulerShopperData> {
    const query = checkShopperDataQuery(phone, storeId);
    if (!query.ok) throw inputRefusal('invalid access request', query);
    return this.repository.read(query.phone, query.storeId);
  }
}
