import { Worker } from 'node:worker_threads';
import { TransientError } from '@lib/kafka';
import type { ConsumedRecord } from '@lib/kafka';
import type { AcceptContext } from './accept-cart-event';
import type { BatchDecision } from './decide-batch';
import type { FromWorker, ToWorker } from './decision-worker';
import { decidePacked, packBatch, PackedVerdict, unpackVerdict } from './packed-batch';

export interface DecisionPoolOptions {
  /** Worker threads; 0 decides on the calling thread. */
  workers: number;
  /** The script a worker runs (the service's entry file, which serves decisions off the main thread). */
  entry: string | undefined;
  /** Heap of each worker, in MB: bounded so the process keeps a flat memory profile. */
  workerHeapMb: number;
  stores: { version: number; countries(): Array<[string, string]> };
  fallbackCountry: string;
}

interface Slot {
  worker: Worker;
  pending: Map<number, { resolve(v: PackedVerdict): void; reject(e: Error): void }>;
  countriesVersion: number;
}

/**
 * Decides consumed batches on worker threads, so JSON and phone parsing run beside the
 * Kafka client instead of between its fetches. Batches are packed as one block of bytes and
 * the accepted events come back the same way. A worker that dies fails its batches with a
 * transient error (the consumer retries them; nothing is dead-lettered for it) and is
 * replaced.
 */
export class DecisionPool {
  private readonly slots: Slot[] = [];
  private nextId = 1;
  private turn = 0;
  private closing = false;

  constructor(private readonly options: DecisionPoolOptions) {
    if (options.entry) for (let i = 0; i < options.workers; i++) this.slots.push(this.spawn());
  }

  get threads(): number {
    return this.slots.length;
  }

  async decide(records: ConsumedRecord[], ctx: AcceptContext, outputTopic: string): Promise<BatchDecision> {
    const batch = packBatch(records, ctx, outputTopic);
    if (this.slots.length === 0) return unpackVerdict(decidePacked(batch, ctx.countryOf), records, outputTopic);
    const index = this.turn++ % this.slots.length;
    const slot = this.slots[index];
    if (slot.countriesVersion !== this.options.stores.version) {
      slot.countriesVersion = this.options.stores.version;
      this.post(slot, {
        kind: 'countries',
        countries: this.options.stores.countries(),
        fallback: this.options.fallbackCountry,
      });
    }
    const id = this.nextId++;
    const verdict = await new Promise<PackedVerdict>((resolve, reject) => {
      slot.pending.set(id, { resolve, reject });
      this.post(slot, { kind: 'batch', id, batch }, [batch.bytes, batch.ends.buffer as ArrayBuffer]);
    });
    return unpackVerdict(verdict, records, outputTopic);
  }

  async close(): Promise<void> {
    this.closing = true;
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
  }

  private post(slot: Slot, message: ToWorker, transfer: ArrayBuffer[] = []): void {
    slot.worker.postMessage(message, transfer);
  }

  private spawn(): Slot {
    const worker = new Worker(this.options.entry!, {
      resourceLimits: { maxOldGenerationSizeMb: this.options.workerHeapMb, maxYoungGenerationSizeMb: 16 },
    });
    worker.unref();
    const slot: Slot = { worker, pending: new Map(), countriesVersion: -1 };
    worker.on('message', (m: FromWorker) => {
      const waiting = slot.pending.get(m.id);
      if (!waiting) return;
      slot.pending.delete(m.id);
      if (m.kind === 'verdict') waiting.resolve(m.verdict);
      else waiting.reject(new Error(`decision worker failed: ${m.error}`));
    });
    let replaced = false;
    const replace = (why: string) => {
      if (replaced) return;
      replaced = true;
      for (const w of slot.pending.values()) w.reject(new TransientError(`decision worker stopped: ${why}`));
      slot.pending.clear();
      const at = this.slots.indexOf(slot);
      if (at >= 0 && !this.closing) this.slots[at] = this.spawn();
    };
    worker.on('error', (e) => replace(e.message));
    worker.on('exit', (code) => replace(`exit ${code}`));
    return slot;
  }
}
