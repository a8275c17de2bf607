import { BadRequestException, Controller, Get, Param, Query, UseGuards } from '@nestjs/common';
import { STORE_ID_PATTERN } from '@lib/contracts';
import { ApiKeyGuard } from '@lib/runtime';
import { StatsRepository } from './stats.repository';
import { StoreStats, storeStatsOf, statsWindow } from './store-stats';

const STORE_ID = new RegExp(STORE_ID_PATTERN);

/** `GET /v1/stores/:storeId/stats?from=…&to=…` (platform API keys). */
@Controller('v1/stores')
@UseGuards(ApiKeyGuard)
export class StatsController {
  constructor(private readonly stats: StatsRepository) {}

  @Get(':storeId/stats')
  async storeStats(
    @Param('storeId') storeId: string,
    @Query('from') from?: string,
    @Query('to') to?: string,
  ): Promise<StoreStats> {
    if (!STORE_ID.test(storeId)) throw new BadRequestException('storeId must match ' + STORE_ID_PATTERN);
    const window = statsWindow({ from, to }, new Date());
    if (!window.ok) throw new BadRequestException(window.error);
    const [counts, skippedByReason, recovered, arms, windows, attributed, armWindows, billable, variantCounts] =
      await Promise.all([
        this.stats.counts(storeId, window.from, window.to),
        this.stats.skippedByReason(storeId, window.from, window.to),
        this.stats.recovered(storeId, window.from, window.to),
        this.stats.holdout(storeId, window.from, window.to),
        this.stats.windows(storeId),
        this.stats.attributed(storeId, window.from, window.to),
        this.stats.armWindows(storeId, window.from, window.to),
        this.stats.billable(storeId, window.from, window.to),
        this.stats.variants(storeId, window.from, window.to),
      ]);
    return storeStatsOf({
      storeId,
      from: window.from,
      to: window.to,
      counts,
      skippedByReason,
      recovered,
      arms,
      windows,
      attributed,
      armWindows,
      billable,
      variantCounts,
    });
  }
}
