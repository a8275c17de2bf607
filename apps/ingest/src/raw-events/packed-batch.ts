import type { RejectReason } from '@lib/contracts';
import type { ConsumedRecord, DeadLetter, OutgoingRecord } from '@lib/kafka';
import type { PhoneProblem } from '../normalize/phone';
import { PLATFORM_ADAPTERS } from '../platforms';
import {
  AcceptContext,
  PLATFORM_DELIVERY_HEADER,
  PLATFORM_EVENT_HEADER,
  PLATFORM_TOPIC_HEADER,
  PLATFORM_TRIGGERED_AT_HEADER,
  SOURCE_HEADER,
  STORE_ID_HEADER,
} from './accept-cart-event';
import { BatchDecision, decideBatch } from './decide-batch';

/** The headers a decision reads; the others stay on the main thread with the record. */
const DECISION_HEADERS = [
  SOURCE_HEADER,
  STORE_ID_HEADER,
  PLATFORM_TOPIC_HEADER,
  PLATFORM_DELIVERY_HEADER,
  PLATFORM_EVENT_HEADER,
  PLATFORM_TRIGGERED_AT_HEADER,
];

/**
 * A consumed batch as one block of bytes plus offsets: it crosses to a decision worker by
 * transfer, not by copying a thousand small buffers one by one.
 */
export interface PackedBatch {
  bytes: ArrayBuffer;
  /** End of each record's value in `bytes`; -1 for a record without a value. */
  ends: Int32Array;
  keys: Array<string | null>;
  headers: Array<Record<string, string> | null>;
  now: number;
  maxFutureSkewMs: number;
  outputTopic: string;
}

/** The decision on a packed batch: accepted values as one block of bytes, rejects by index. */
export interface PackedVerdict {
  accepted: { keys: string[]; bytes: ArrayBuffer; ends: Int32Array };
  rejected: Array<[number, RejectReason, string]>;
  unreachable: Array<[PhoneProblem, number]>;
}

export function packBatch(
  records: readonly ConsumedRecord[],
  ctx: Pick<AcceptContext, 'now' | 'maxFutureSkewMs'>,
  outputTopic: string,
): PackedBatch {
  let total = 0;
  for (const r of records) total += r.value?.length ?? 0;
  const bytes = new ArrayBuffer(total);
  const view = new Uint8Array(bytes);
  const ends = new Int32Array(records.length);
  let at = 0;
  const keys: Array<string | null> = [];
  const headers: Array<Record<string, string> | null> = [];
  for (const [i, r] of records.entries()) {
    if (r.value === null) ends[i] = -1;
    else {
      view.set(r.value, at);
      at += r.value.length;
      ends[i] = at;
    }
    keys.push(r.key === null ? null : r.key.toString('utf8'));
    let picked: Record<string, string> | null = null;
    for (const h of DECISION_HEADERS) if (r.headers[h] !== undefined) (picked ??= {})[h] = r.headers[h];
    headers.push(picked);
  }
  return { bytes, ends, keys, headers, now: ctx.now.getTime(), maxFutureSkewMs: ctx.maxFutureSkewMs, outputTopic };
}

/** Decides a packed batch (in a worker, or inline): the same rules as `decideBatch`. */
export function decidePacked(batch: PackedBatch, countryOf: (storeId: string) => string): PackedVerdict {
  const records: ConsumedRecord[] = [];
  let start = 0;
  for (let i = 0; i < batch.ends.length; i++) {
    const end = batch.ends[i];
    const value = end < 0 ? null : Buffer.from(batch.bytes, start, end - start);
    if (end >= 0) start = end;
    const key = batch.keys[i];
    // Inside the worker a record's offset is its index in the batch: the main thread maps
    // rejects back to the consumed records, with their real topic, partition and offset.
    records.push({
      topic: '',
      partition: 0,
      offset: String(i),
      key: key === null ? null : Buffer.from(key),
      value,
      headers: batch.headers[i] ?? {},
      timestamp: '',
    });
  }
  const ctx: AcceptContext = {
    now: new Date(batch.now),
    maxFutureSkewMs: batch.maxFutureSkewMs,
    countryOf,
    adapters: PLATFORM_ADAPTERS,
  };
  const decision = decideBatch(records, ctx, batch.outputTopic);
  const values = decision.outputs.map((o) => o.value as string);
  const bytes = new ArrayBuffer(values.reduce((n, v) => n + Buffer.byteLength(v), 0));
  const block = Buffer.from(bytes);
  const ends = new Int32Array(values.length);
  let at = 0;
  for (const [i, v] of values.entries()) {
    at += block.write(v, at);
    ends[i] = at;
  }
  return {
    // decideBatch keeps record order, so one cart's events leave in the order they came.
    accepted: { keys: decision.outputs.map((o) => o.key as string), bytes, ends },
    rejected: decision.deadLetters.map((d) => [Number(d.record.offset), d.reason, d.error]),
    unreachable: [...decision.unreachable],
  };
}

/** The verdict applied to the original records: outputs, and dead letters with their bytes. */
export function unpackVerdict(
  verdict: PackedVerdict,
  records: readonly ConsumedRecord[],
  outputTopic: string,
): BatchDecision {
  const outputs: OutgoingRecord[] = [];
  let start = 0;
  for (let i = 0; i < verdict.accepted.keys.length; i++) {
    const end = verdict.accepted.ends[i];
    outputs.push({
      topic: outputTopic,
      key: verdict.accepted.keys[i],
      value: Buffer.from(verdict.accepted.bytes, start, end - start),
    });
    start = end;
  }
  const deadLetters: DeadLetter[] = verdict.rejected.map(([index, reason, error]) => ({
    record: records[index],
    reason,
    error,
  }));
  return { outputs, deadLetters, unreachable: new Map(verdict.unreachable) };
}
