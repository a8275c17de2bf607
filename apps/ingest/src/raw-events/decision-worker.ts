import { parentPort } from 'node:worker_threads';
import { decidePacked, PackedBatch } from './packed-batch';

/** What the pool sends a decision worker. */
export type ToWorker =
  | { kind: 'countries'; countries: Array<[string, string]>; fallback: string }
  | { kind: 'batch'; id: number; batch: PackedBatch };

export type FromWorker =
  | { kind: 'verdict'; id: number; verdict: ReturnType<typeof decidePacked> }
  | { kind: 'failed'; id: number; error: string };

/**
 * The body of a decision worker thread: JSON parsing, validation and normalization of
 * whole batches, off the thread that talks to Kafka. Holds only the stores' countries.
 */
export function serveDecisions(): void {
  const port = parentPort;
  if (!port) throw new Error('serveDecisions runs in a worker thread');
  let countries = new Map<string, string>();
  let fallback = 'ES';
  port.on('message', (message: ToWorker) => {
    if (message.kind === 'countries') {
      countries = new Map(message.countries);
      fallback = message.fallback;
      return;
    }
    try {
      const verdict = decidePacked(message.batch, (storeId) => countries.get(storeId) ?? fallback);
      const reply: FromWorker = { kind: 'verdict', id: message.id, verdict };
      port.postMessage(reply, [verdict.accepted.bytes, verdict.accepted.ends.buffer as ArrayBuffer]);
    } catch (e) {
      port.postMessage({
        kind: 'failed',
        id: message.id,
        error: String((e as Error)?.stack ?? e),
      } satisfies FromWorker);
    }
  });
}
