import type { RejectReason } from '@lib/contracts';

/** A record as a handler sees it: the bytes as they came, with where they came from. */
export interface ConsumedRecord {
  topic: string;
  partition: number;
  offset: string;
  key: Buffer | null;
  value: Buffer | null;
  headers: Record<string, string>;
  timestamp: string;
}

/** A record to produce. Values are JSON text or bytes; `null` is a tombstone. */
export interface OutgoingRecord {
  topic: string;
  key: string | null;
  value: string | Buffer | null;
  headers?: Record<string, string>;
}

/** A consumed record that cannot be processed: it goes to `<topic>-dlq` with the reason. */
export interface DeadLetter {
  record: ConsumedRecord;
  reason: RejectReason;
  error: string;
}

/** What a handler hands back: outputs and dead letters are acknowledged before the commit. */
export interface BatchResult {
  outputs?: OutgoingRecord[];
  deadLetters?: DeadLetter[];
  /**
   * The last offset handled (inclusive). Leave it out when the whole batch was handled; a
   * handler that stops early (back-pressure, shutdown) names the last record it finished,
   * and the rest is fetched again.
   */
  handledUpTo?: string;
}

export interface BatchContext {
  readonly topic: string;
  readonly partition: number;
  /** Keep the group membership alive during long work. */
  heartbeat(): Promise<void>;
  /** True once the consumer is stopping or lost the partition: finish up and return. */
  isStopping(): boolean;
  /** Back-pressure: fetch nothing more from this partition for `ms`. */
  pauseFor(ms: number): void;
}

export type BatchHandler = (records: ConsumedRecord[], ctx: BatchContext) => Promise<BatchResult>;
