import { DLQ_HEADER, dlqTopicOf } from '@lib/contracts';
import type { DeadLetter, OutgoingRecord } from './records';

/** The contract's DLQ record: original key and bytes unchanged, the reason in headers. */
export function deadLetterRecord({ record, reason, error }: DeadLetter): OutgoingRecord {
  return {
    topic: dlqTopicOf(record.topic),
    key: record.key === null ? null : record.key.toString('utf8'),
    value: record.value,
    headers: {
      ...record.headers,
      [DLQ_HEADER.reason]: reason,
      [DLQ_HEADER.error]: error.slice(0, 2000),
      [DLQ_HEADER.sourceTopic]: record.topic,
      [DLQ_HEADER.sourcePartition]: String(record.partition),
      [DLQ_HEADER.sourceOffset]: record.offset,
    },
  };
}
