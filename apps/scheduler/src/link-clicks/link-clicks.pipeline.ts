import { Injectable } from '@nestjs/common';
import { linkClickContract, type LinkClick } from '@lib/contracts';
import type { BatchResult, ConsumedRecord, DeadLetter } from '@lib/kafka';
import { LinkClickRepository } from './link-click.repository';

/**
 * consume `link-clicks` → keep each message's first click and count for the stats (`clicked`,
 * and the attribution after a click). Unreadable records go to `link-clicks-dlq`.
 */
@Injectable()
export class LinkClicksPipeline {
  constructor(private readonly clicks: LinkClickRepository) {}

  async handle(records: ConsumedRecord[]): Promise<BatchResult> {
    const deadLetters: DeadLetter[] = [];
    const clicks: LinkClick[] = [];
    for (const record of records) {
      const decoded = linkClickContract.decode(record.value);
      if (decoded.ok) clicks.push(decoded.value);
      else deadLetters.push({ record, reason: decoded.reason, error: decoded.error });
    }
    await this.clicks.record(clicks);
    return { deadLetters };
  }
}
