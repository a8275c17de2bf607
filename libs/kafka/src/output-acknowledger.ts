import { deadLetterRecord } from './dead-letter';
import type { BatchResult, OutgoingRecord } from './records';

export interface OutputAcknowledgerOptions {
  /** Produces the records and resolves once the broker acknowledged them all. */
  send(records: OutgoingRecord[]): Promise<void>;
  /** Once stopping, how long an acknowledgement still in flight is waited for. */
  graceOnStopMs: number;
  /** Dead letters acknowledged, one call each. */
  onDeadLetter?: (topic: string, reason: string) => void;
  /** An acknowledgement given up at the stop. */
  onGivenUp?: (graceMs: number) => void;
}

/**
 * Produces a batch's outputs and dead letters and waits for the broker's acknowledgement,
 * after which (and only after which) the batch may be committed. Once `stop` is called, an
 * acknowledgement still in flight is waited for `graceOnStopMs` at most: a broker that answers
 * does so in milliseconds, one that does not would hold the stop for the client's whole retry
 * time. Given up, it answers false and the batch is not committed (the next owner reads it again).
 */
export class OutputAcknowledger {
  private stopping = false;
  /** Acknowledgements in flight: each starts its grace time when `stop` is called. */
  private readonly onStop = new Set<() => void>();

  constructor(private readonly options: OutputAcknowledgerOptions) {}

  /** True once acknowledged; false when stopped and the acknowledgement did not come within the grace time. */
  async acknowledge(result: BatchResult): Promise<boolean> {
    const acked = this.send(result).then(() => true);
    const graceMs = this.options.graceOnStopMs;
    let timer: NodeJS.Timeout | undefined;
    let giveUp: (v: false) => void = () => undefined;
    const givenUp = new Promise<false>((resolve) => (giveUp = resolve));
    const startGrace = () => {
      timer ??= setTimeout(() => giveUp(false), graceMs);
    };
    if (this.stopping) startGrace();
    else this.onStop.add(startGrace);
    try {
      const done = await Promise.race([acked, givenUp]);
      if (!done) {
        acked.catch(() => undefined); // it may still fail after the stop: nobody waits for it
        this.options.onGivenUp?.(graceMs);
      }
      return done;
    } finally {
      if (timer) clearTimeout(timer);
      this.onStop.delete(startGrace);
    }
  }

  /** Starts the grace time of every acknowledgement in flight, and of every later one. */
  stop(): void {
    this.stopping = true;
    for (const startGrace of this.onStop) startGrace();
  }

  private async send(result: BatchResult): Promise<void> {
    const deadLetters = result.deadLetters ?? [];
    await this.options.send([...(result.outputs ?? []), ...deadLetters.map(deadLetterRecord)]);
    for (const d of deadLetters) this.options.onDeadLetter?.(d.record.topic, d.reason);
  }
}
