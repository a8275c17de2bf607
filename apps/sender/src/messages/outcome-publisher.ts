import { Injectable } from '@nestjs/common';
import { KafkaService, OutgoingRecord } from '@lib/kafka';

/**
 * Outcomes published outside a consumer batch (webhooks, the deferral loop), gathered for a
 * couple of milliseconds into one produce request: webhooks come one status per POST, several
 * thousand a second at full speed, and the idempotent producer sends one request at a time.
 * `publish` resolves once Kafka acknowledged the records.
 */
@Injectable()
export class OutcomePublisher {
  private pending: Array<{ records: OutgoingRecord[]; resolve(): void; reject(e: unknown): void }> = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly kafka: KafkaService) {}

  publish(records: OutgoingRecord[]): Promise<void> {
    if (records.length === 0) return Promise.resolve();
    return new Promise((resolve, reject) => {
      this.pending.push({ records, resolve, reject });
      this.timer ??= setTimeout(() => void this.flush(), 2);
    });
  }

  private async flush(): Promise<void> {
    const batch = this.pending;
    this.pending = [];
    this.timer = undefined;
    try {
      await this.kafka.producer.send(batch.flatMap((b) => b.records));
      for (const b of batch) b.resolve();
    } catch (error) {
      for (const b of batch) b.reject(error);
    }
  }
}
