import { Injectable } from '@nestjs/common';
import { decodeMessageOutcomesRecord, isOptOut } from '@lib/contracts';
import type { BatchResult, ConsumedRecord } from '@lib/kafka';
import { SenderMetrics } from '../sender.metrics';
import { OptOutRepository } from './opt-out.repository';

/**
 * consume `message-outcomes` → record `customer.opted-out` events (from any source, this
 * sender's own webhooks included: recording twice changes nothing). Outcome records are
 * the scheduler's business and are passed over.
 */
@Injectable()
export class OptOutsPipeline {
  constructor(
    private readonly optOuts: OptOutRepository,
    private readonly metrics: SenderMetrics,
  ) {}

  async handle(records: ConsumedRecord[]): Promise<BatchResult> {
    const found = [];
    for (const record of records) {
      // A record that does not decode is the scheduler's to dead-letter; here it is passed over.
      const decoded = decodeMessageOutcomesRecord(record.value);
      if (decoded.ok && isOptOut(decoded.value))
        found.push({ ...decoded.value, at: new Date(decoded.value.at), source: 'message-outcomes' });
    }
    const fresh = await this.optOuts.record(found);
    this.metrics.optOuts.inc({ source: 'message-outcomes' }, fresh.length);
    return {};
  }
}
