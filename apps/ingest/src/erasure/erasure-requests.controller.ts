import { randomUUID } from 'node:crypto';
import {
  Body,
  Controller,
  Get,
  HttpCode,
  Inject,
  NotFoundException,
  Param,
  Post,
  ServiceUnavailableException,
  UseGuards,
} from '@nestjs/common';
import {
  ERASURE_ID_PATTERN,
  erasureRequestKey,
  TOPIC,
  type ErasureAccepted,
  type ErasureRequest,
  type ErasureStatus,
} from '@lib/contracts';
import { KafkaService } from '@lib/kafka';
import { LOGGER } from '@lib/observability';
import type { Logger } from '@lib/observability';
import { ApiKeyGuard, inputRefusal } from '@lib/runtime';
import { publishOrUnavailable } from '../cart-events-api/publish';
import type { IngestConfig } from '../config';
import { INGEST_CONFIG } from '../tokens';
import { checkErasureRequest, erasureStatus } from './erasure-request';
import { ErasureRequestRepository } from './erasure-request.repository';

const ERASURE_ID = new RegExp(ERASURE_ID_PATTERN);

/**
 * The platform's erasure requests (`/v1/erasure-requests`, GDPR art. 17): kept with the
 * phone's keyed hash only, published on `erasure-requests` for the scheduler and the sender,
 * whose completions (`erasure-completions`) make the request done. Logs never name the phone.
 */
@Controller('v1/erasure-requests')
@UseGuards(ApiKeyGuard)
export class ErasureRequestsController {
  constructor(
    private readonly repository: ErasureRequestRepository,
    private readonly kafka: KafkaService,
    @Inject(INGEST_CONFIG) private readonly config: IngestConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  @Post()
  @HttpCode(202)
  async post(@Body() body: unknown): Promise<ErasureAccepted> {
    const key = this.config.ERASURE_HASH_KEY;
    if (!key) throw new ServiceUnavailableException('erasure is not configured (ERASURE_HASH_KEY)');
    const decision = checkErasureRequest(body);
    if (!decision.ok) throw inputRefusal('invalid erasure request', decision);
    const request: ErasureRequest = {
      schemaVersion: 1,
      id: randomUUID(),
      phone: decision.phone,
      storeId: decision.storeId,
      requestedAt: new Date().toISOString(),
    };
    await this.repository.accept(
      {
        id: request.id,
        phoneHash: key.hash(request.phone),
        storeId: request.storeId,
        requestedAt: new Date(request.requestedAt),
      },
      () =>
        publishOrUnavailable(this.kafka, [
          {
            topic: this.kafka.topic(TOPIC.erasureRequests),
            key: erasureRequestKey(request.phone),
            value: JSON.stringify(request),
          },
        ]),
    );
    this.logger.info({ erasureId: request.id, storeId: request.storeId }, 'erasure request accepted and published');
    return { id: request.id };
  }

  @Get(':id')
  async get(@Param('id') id: string): Promise<ErasureStatus> {
    const record = ERASURE_ID.test(id) ? await this.repository.get(id) : undefined;
    if (!record) throw new NotFoundException(`no erasure request ${id}`);
    return erasureStatus(record);
  }
}
