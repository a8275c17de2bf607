import { ServiceUnavailableException } from '@nestjs/common';
import type { KafkaService, OutgoingRecord } from '@lib/kafka';

/** Produces and waits for the acknowledgement; a broker that fails it becomes a 503 (retry). */
export async function publishOrUnavailable(kafka: KafkaService, records: OutgoingRecord[]): Promise<void> {
  try {
    await kafka.producer.send(records);
  } catch (e) {
    throw new ServiceUnavailableException(`Kafka did not acknowledge the events, retry: ${(e as Error).message}`);
  }
}
