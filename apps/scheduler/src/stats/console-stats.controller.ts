import { Controller, Get, Param, Query, UseGuards } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { ConsoleTokenGuard } from '@lib/console-access';
import { StatsController } from './stats.controller';
import type { StoreStats } from './store-stats';

/**
 * The merchant console's stats (`/console/api/stores/{storeId}/stats`): the stats API's own
 * answer, behind a console token for exactly that store (verified here, with the same
 * CONSOLE_SIGNING_KEYS as ingest, which forwards the browser's token and nothing else).
 */
@Controller('console/api/stores/:storeId')
@UseGuards(ConsoleTokenGuard)
export class ConsoleStatsController {
  constructor(private readonly moduleRef: ModuleRef) {}

  @Get('stats')
  stats(
    @Param('storeId') storeId: string,
    @Query('from') from?: string,
    @Query('to') to?: string,
  ): Promise<StoreStats> {
    return this.moduleRef.get(StatsController, { strict: true }).storeStats(storeId, from, to);
  }
}
