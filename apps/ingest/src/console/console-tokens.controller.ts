import {
  Body,
  Controller,
  HttpCode,
  Inject,
  NotFoundException,
  Param,
  Post,
  ServiceUnavailableException,
  UseGuards,
} from '@nestjs/common';
import { mintConsoleToken } from '@lib/console-access';
import { LOGGER } from '@lib/observability';
import type { Logger } from '@lib/observability';
import { ApiKeyGuard } from '@lib/runtime';
import type { IngestConfig } from '../config';
import { StoreSettingsRepository } from '../store-admin/store-settings.repository';
import { isStoreId } from '../store-admin/store-settings-input';
import { INGEST_CONFIG } from '../tokens';

/**
 * `POST /v1/stores/{storeId}/console-tokens`, with the platform API key: a console token for
 * one store, to open the console with (`/console#token=…`). The key stays on the
 * platform's server; the browser only ever holds the token.
 */
@Controller('v1/stores')
@UseGuards(ApiKeyGuard)
export class ConsoleTokensController {
  constructor(
    private readonly repository: StoreSettingsRepository,
    @Inject(INGEST_CONFIG) private readonly config: IngestConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  @Post(':storeId/console-tokens')
  @HttpCode(201)
  async mint(@Param('storeId') storeId: string, @Body() body: unknown) {
    const keys = this.config.CONSOLE_SIGNING_KEYS;
    if (!keys) throw new ServiceUnavailableException('the console is not configured (CONSOLE_SIGNING_KEYS)');
    if (!isStoreId(storeId) || !(await this.repository.get(storeId))) {
      throw new NotFoundException(`no settings for store ${storeId}`);
    }
    const requested = (body as { locale?: unknown } | undefined)?.locale;
    const locale = requested === 'es' || requested === 'en' ? requested : undefined;
    const { token, expiresAt } = mintConsoleToken(keys, {
      storeId,
      minutes: this.config.CONSOLE_TOKEN_MINUTES,
      now: new Date(),
    });
    this.logger.info({ storeId, expiresAt }, 'console token minted');
    // In the fragment: never sent to a server, never in a Referer or an access log.
    const fragment = new URLSearchParams({ token, ...(locale ? { locale } : {}) });
    return { token, expiresAt: expiresAt.toISOString(), consolePath: `/console#${fragment.toString()}` };
  }
}
