import { Inject, Injectable, OnApplicationShutdown } from '@nestjs/common';
import type { SenderConfig } from '../config';
import { SENDER_CONFIG } from '../tokens';
import { InFlightSlots, RetryPolicy, ThroughputLimiter, WhatsAppClient } from '../whatsapp';

/**
 * The Cloud API parts, one set per process: every partition and the deferral loop share the
 * keep-alive pool and, above all, the per-number throughput limiter (several limiters in one
 * process would each allow the full rate).
 */
@Injectable()
export class GraphApi implements OnApplicationShutdown {
  readonly client: WhatsAppClient;
  readonly limiter: ThroughputLimiter;
  readonly retryPolicy: RetryPolicy;
  /** At most SENDER_MAX_IN_FLIGHT calls at once (as many as the pool's connections). */
  readonly slots: InFlightSlots;

  constructor(@Inject(SENDER_CONFIG) config: SenderConfig) {
    this.client = new WhatsAppClient({
      baseUrl: config.WHATSAPP_GRAPH_BASE_URL,
      graphApiVersion: config.WHATSAPP_GRAPH_VERSION,
      timeoutMs: config.WHATSAPP_TIMEOUT_MS,
      connections: config.SENDER_MAX_IN_FLIGHT,
    });
    this.limiter = new ThroughputLimiter({
      perSecond: config.WHATSAPP_THROUGHPUT_PER_SECOND,
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
