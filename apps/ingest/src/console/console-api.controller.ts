import {
  BadRequestException,
  Body,
  Controller,
  Get,
  Headers,
  HttpCode,
  HttpException,
  Inject,
  NotFoundException,
  Param,
  Post,
  Put,
  Query,
  Res,
  ServiceUnavailableException,
  UseGuards,
} from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import type { FastifyReply } from 'fastify';
import { ConsoleTokenGuard } from '@lib/console-access';
import type { StoreSettings } from '@lib/contracts';
import { unprocessable } from '@lib/runtime';
import type { IngestConfig } from '../config';
import { INGEST_CONFIG } from '../tokens';
import { parseDetectedAt, previewSend } from '../store-admin/send-preview';
import { StoreAdminController } from '../store-admin/store-admin.controller';
import { checkStoreSettings } from '../store-admin/store-settings-input';
import { StoreSettingsRepository } from '../store-admin/store-settings.repository';
import { applyConsoleChanges } from './console-changes';
import { renderSamples } from './sample-carts';

/**
 * The console's API (`/console/api/stores/{storeId}/…`), behind a console token for exactly
 * that store. It adds no rule of its own: reads and saves go through the admin API's own
 * handlers (validation, sealing, the lock, publishing on `store-settings`), previews through
 * the same checks and the pure `previewSend` and libs/message-templates rendering.
 */
@Controller('console/api/stores/:storeId')
@UseGuards(ConsoleTokenGuard)
export class ConsoleApiController {
  constructor(
    private readonly moduleRef: ModuleRef,
    private readonly repository: StoreSettingsRepository,
    @Inject(INGEST_CONFIG) private readonly config: IngestConfig,
  ) {}

  /** The settings as the admin API shows them: secrets only as set / not set. */
  @Get('settings')
  settings(@Param('storeId') storeId: string) {
    return this.admin().get(storeId);
  }

  /** Saves the console's changes through the admin API's PUT: 200, or 422 with its problems. */
  @Put('settings')
  async save(
    @Param('storeId') storeId: string,
    @Body() changes: unknown,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const current = await this.current(storeId);
    return this.admin().put(storeId, this.bodyFor(current, changes), reply);
  }

  /** When a cart abandoned at `detectedAt` is messaged, under the (unsaved) changes. */
  @Post('send-preview')
  @HttpCode(200)
  async sendPreview(@Param('storeId') storeId: string, @Body() body: { detectedAt?: unknown; changes?: unknown }) {
    const detectedAt = parseDetectedAt(body?.detectedAt);
    if (!detectedAt) {
      throw new BadRequestException('detectedAt: required, an RFC 3339 instant with offset (2026-11-24T18:33:12Z)');
    }
    const settings = this.checked(storeId, await this.current(storeId), body?.changes);
    return previewSend(settings, detectedAt);
  }

  /** The message over the sample carts, under the (unsaved) changes, in `language`. */
  @Post('message-preview')
  @HttpCode(200)
  async messagePreview(@Param('storeId') storeId: string, @Body() body: { language?: unknown; changes?: unknown }) {
    const settings = this.checked(storeId, await this.current(storeId), body?.changes);
    const language = body?.language === 'en' || body?.language === 'es' ? body.language : settings.locale;
    return { mode: settings.whatsapp.mode, samples: renderSamples(settings, language, new Date()) };
  }

  /**
   * The store's stats, from the scheduler's console route: the browser's console token is
   * forwarded as it came (the scheduler verifies it itself), never the platform API key.
   */
  @Get('stats')
  stats(
    @Param('storeId') storeId: string,
    @Headers('authorization') authorization: string,
    @Query('from') from?: string,
    @Query('to') to?: string,
  ): Promise<unknown> {
    const query = new URLSearchParams({ ...(from ? { from } : {}), ...(to ? { to } : {}) });
    return forward(this.config.CONSOLE_SCHEDULER_URL, 'scheduler', 'stats', storeId, query, authorization);
  }

  /** The store's latest messages, from the sender's console route, with the token forwarded the same way. */
  @Get('messages')
  messages(
    @Param('storeId') storeId: string,
    @Headers('authorization') authorization: string,
    @Query('limit') limit?: string,
  ): Promise<unknown> {
    const query = new URLSearchParams(limit ? { limit } : {});
    return forward(this.config.CONSOLE_SENDER_URL, 'sender', 'messages', storeId, query, authorization);
  }

  private admin(): StoreAdminController {
    // The admin API's own handlers, so the console can never drift from them.
    return this.moduleRef.get(StoreAdminController, { strict: true });
  }

  private async current(storeId: string): Promise<StoreSettings> {
    const row = await this.repository.get(storeId);
    if (!row) throw new NotFoundException(`no settings for store ${storeId}`);
    return row.settings;
  }

  private bodyFor(current: StoreSettings, changes: unknown): Record<string, unknown> {
    const applied = applyConsoleChanges(current, changes);
    if (!applied.ok) throw invalid(applied.problems);
    return applied.body;
  }

  /** The settings the changes would make, checked as the admin API checks a PUT. */
  private checked(storeId: string, current: StoreSettings, changes: unknown): StoreSettings {
    const decision = checkStoreSettings(storeId, this.bodyFor(current, changes), current);
    if (!decision.ok) throw invalid(decision.problems);
    return decision.settings;
  }
}

const invalid = (problems: string[]) => unprocessable('invalid store settings', problems);

/**
 * A console GET answered by another service's console route: the browser's token forwarded as
 * it came (that service verifies it itself), its answer and status passed back.
 */
async function forward(
  base: string | undefined,
  service: 'scheduler' | 'sender',
  route: string,
  storeId: string,
  query: URLSearchParams,
  authorization: string,
): Promise<unknown> {
  const root = base?.replace(/\/+$/, '');
  if (!root) {
    const setting = service === 'scheduler' ? 'CONSOLE_SCHEDULER_URL' : 'CONSOLE_SENDER_URL';
    throw new ServiceUnavailableException(`the console has no ${route} here (${setting})`);
  }
  const search = query.toString();
  const url = `${root}/console/api/stores/${encodeURIComponent(storeId)}/${route}${search ? `?${search}` : ''}`;
  let answer: Response;
  try {
    answer = await fetch(url, { headers: { authorization }, signal: AbortSignal.timeout(10_000) });
  } catch {
    throw new ServiceUnavailableException(`the ${service} did not answer`);
  }
  const body: unknown = await answer.json().catch(() => ({}));
  if (!answer.ok) throw new HttpException(body as object, answer.status);
  return body;
}
