import { BadRequestException, Controller, Get, Param, Query, UseGuards } from '@nestjs/common';
import { ConsoleTokenGuard } from '@lib/console-access';
import type { ConsoleMessages } from '@lib/contracts';
import { RECENT_MESSAGES_MAX, recentMessageOf, recentMessagesLimit } from './recent-messages';
import { RecentMessagesRepository } from './recent-messages.repository';

/**
 * The merchant console's recent messages, behind a console token for exactly that store
 * (verified here with CONSOLE_SIGNING_KEYS; ingest forwards the browser's token, never an
 * API key). Unset keys: every request is refused.
 */
@Controller('console/api/stores/:storeId')
@UseGuards(ConsoleTokenGuard)
export class RecentMessagesController {
  constructor(private readonly repository: RecentMessagesRepository) {}

  @Get('messages')
  async messages(@Param('storeId') storeId: string, @Query('limit') rawLimit?: string): Promise<ConsoleMessages> {
    const limit = recentMessagesLimit(rawLimit);
    if (limit === undefined) throw new BadRequestException(`limit: an integer from 1 to ${RECENT_MESSAGES_MAX}`);
    const rows = await this.repository.latest(storeId, limit);
    return { storeId, messages: rows.map(recentMessageOf) };
  }
}
