import { Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { SenderConfig } from '../config';
import { SENDER_CONFIG } from '../tokens';
import { InFlightSlots, RetryPolicy, ThroughputLimiter, WhatsAppClient } from '../whatsapp';
import { NumberPaceRepository } from './number-pace.repository';

/**
 * The Cloud API parts, one set per process: every partition and the deferral loop share the
 * keep-alive pool and, above all, the per-number throughput limiter (several limiters in one
 * process would each allow the full rate). The limiter's even pace is shared with every other
 * instance through `number_pace` (NumberPaceRepository), so N instances together still keep
 * each number to its limit.
 */
@Injectable()
export class GraphApi implements OnApplicationShutdown {
  readonly client: WhatsAppClient;
  readonly limiter: ThroughputLimiter;
  readonly retryPolicy: RetryPolicy;
  /** At most SENDER_MAX_IN_FLIGHT calls at once (as many as the pool's connections). */
  readonly slots: InFlightSlots;

  private readonly logger = new Logger('GraphApi');
  private lastPaceErrorLog = 0;

  constructor(@Inject(SENDER_CONFIG) config: SenderConfig, dataSource: DataSource) {
    this.client = new WhatsAppClient({
      baseUrl: config.WHATSAPP_GRAPH_BASE_URL,
      graphApiVersion: config.WHATSAPP_GRAPH_VERSION,
      marketing: config.WHATSAPP_MARKETING_STRICT ? { productPolicy: 'STRICT' } : {},
      timeoutMs: config.WHATSAPP_TIMEOUT_MS,
      connections: config.SENDER_MAX_IN_FLIGHT,
    });
    this.limiter = new ThroughputLimiter({
      perSecond: config.WHATSAPP_THROUGHPUT_PER_SECOND,
      perSecondByPhoneNumber: config.WHATSAPP_THROUGHPUT_BY_NUMBER,
      safetyMarginMs: config.WHATSAPP_THROUGHPUT_MARGIN_MS,
      sharedPace: new NumberPaceRepository(dataSource),
      // The sends of that number wait meanwhile (the database is where they are recorded anyway).
      onPaceError: (error) => {
        if (Date.now() - this.lastPaceErrorLog < 5000) return;
        this.lastPaceErrorLog = Date.now();
        this.logger.warn(`could not reserve send slots (trying again): ${(error as Error).message}`);
      },
      pairRate:
        config.WHATSAPP_PAIR_INTERVAL_MS > 0 ? { intervalMs: config.WHATSAPP_PAIR_INTERVAL_MS, burst: 1 } : false,
    });
    this.retryPolicy = new RetryPolicy({ maxAttempts: config.WHATSAPP_MAX_ATTEMPTS });
    this.slots = new InFlightSlots(config.SENDER_MAX_IN_FLIGHT);
  }

  // After the Kafka consumers stopped (beforeApplicationShutdown): no batch still sends.
  async onApplicationShutdown(): Promise<void> {
    this.limiter.close();
    await this.client.close();
  }
}
