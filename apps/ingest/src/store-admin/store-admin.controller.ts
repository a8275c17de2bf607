import {
  BadRequestException,
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Inject,
  NotFoundException,
  Param,
  Put,
  Query,
  Res,
  UseGuards,
} from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { TOPIC, withoutSecrets } from '@lib/contracts';
import { KafkaService } from '@lib/kafka';
import { LOGGER } from '@lib/observability';
import type { Logger } from '@lib/observability';
import { ApiKeyGuard, unprocessable } from '@lib/runtime';
import { sealStoreSecrets } from '@lib/secrets';
import { publishOrUnavailable } from '../cart-events-api/publish';
import type { IngestConfig } from '../config';
import { INGEST_CONFIG } from '../tokens';
import { parseDetectedAt, previewSend } from './send-preview';
import { checkStoreSettings, isStoreId } from './store-settings-input';
import { StoreSettingsRepository } from './store-settings.repository';

/**
 * The platform's admin API for store settings (`/v1/stores/{storeId}`): validated, kept in
 * the ingest schema, published on the compacted `store-settings` topic (DELETE publishes a
 * tombstone). Secrets are sealed (SECRETS_ENCRYPTION_KEYS) before they are kept or
 * published; answers never carry them, and logs name only the store and the version.
 */
@Controller('v1/stores')
@UseGuards(ApiKeyGuard)
export class StoreAdminController {
  constructor(
    private readonly repository: StoreSettingsRepository,
    private readonly kafka: KafkaService,
    @Inject(INGEST_CONFIG) private readonly config: IngestConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  @Put(':storeId')
  async put(@Param('storeId') storeId: string, @Body() body: unknown, @Res({ passthrough: true }) reply: FastifyReply) {
    this.assertStoreId(storeId);
    const saved = await this.repository.withStoreLocked(storeId, async (current, tx) => {
      const decision = checkStoreSettings(storeId, body, current?.settings);
      if (!decision.ok) {
        throw unprocessable('invalid store settings', decision.problems);
      }
      const { settings } = sealStoreSecrets(decision.settings, this.config.SECRETS_ENCRYPTION_KEYS);
      const version = await tx.save(settings);
      // Published before the commit: an unacknowledged publish rolls the write back.
      await publishOrUnavailable(this.kafka, [
        { topic: this.kafka.topic(TOPIC.storeSettings), key: storeId, value: JSON.stringify(settings) },
      ]);
      return { settings, version, created: !current };
    });
    this.logger.info({ storeId, version: saved.version }, 'store settings saved and published');
    void reply.status(saved.created ? 201 : 200);
    return withoutSecrets(saved.settings);
  }

  @Get(':storeId')
  async get(@Param('storeId') storeId: string) {
    this.assertStoreId(storeId);
    const row = await this.repository.get(storeId);
    if (!row) throw new NotFoundException(`no settings for store ${storeId}`);
    return withoutSecrets(row.settings);
  }

  @Delete(':storeId')
  @HttpCode(204)
  async delete(@Param('storeId') storeId: string): Promise<void> {
    this.assertStoreId(storeId);
    await this.repository.withStoreLocked(storeId, async (current, tx) => {
      if (!current) throw new NotFoundException(`no settings for store ${storeId}`);
      await tx.delete();
      // The tombstone: compaction forgets the store, and every reader drops it.
      await publishOrUnavailable(this.kafka, [
        { topic: this.kafka.topic(TOPIC.storeSettings), key: storeId, value: null },
      ]);
    });
    this.logger.info({ storeId }, 'store settings deleted (tombstone published)');
  }

  @Get(':storeId/send-preview')
  async sendPreview(@Param('storeId') storeId: string, @Query('detectedAt') detectedAtText: unknown) {
    this.assertStoreId(storeId);
    const detectedAt = parseDetectedAt(detectedAtText);
    if (!detectedAt) {
      throw new BadRequestException('detectedAt: required, an RFC 3339 instant with offset (2026-11-24T18:33:12Z)');
    }
    const row = await this.repository.get(storeId);
    if (!row) throw new NotFoundException(`no settings for store ${storeId}`);
    return previewSend(row.settings, detectedAt);
  }

  private assertStoreId(storeId: string): void {
    if (!isStoreId(storeId)) throw new NotFoundException('store ids match [A-Za-z0-9._-]{1,64}');
  }
}
