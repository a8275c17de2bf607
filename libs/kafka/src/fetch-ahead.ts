/**
 * Fetch ahead: kafkajs fetches the next round only once every batch of the last one is
 * handled, so handling and fetching never overlap. Here a batch is handed on and the fetch
 * goes on at once, while the batches of one partition are still handled one after the other,
 * in order. The fetch is held back while more than `limitRecords` records are handed on and
 * not yet done. A batch that stopped short (a handler that handled part of it, a stop) drops
 * the batches queued behind it on its partition: they are fetched again from where it stopped.
 */
export class FetchAhead {
  /** Per partition, the last batch handed on (the next one chains behind it). */
  private readonly chains = new Map<string, Promise<void>>();
  /** Per partition, bumped when a batch stopped short, so the batches queued behind it are dropped. */
  private readonly epochs = new Map<string, number>();
  private readonly inFlight = new Set<Promise<void>>();
  private pendingRecords = 0;

  constructor(
    private readonly limitRecords: number,
    /** A handed-on batch failed (its commit, say): the partition's next commit covers it, a restart re-reads it. */
    private readonly onFailed: (error: unknown, topic: string, partition: number) => void,
  ) {}

  /**
   * Queues `handle` behind the partition's batches handed on before; resolves once no more
   * than `limitRecords` records are pending. `handle` is skipped when an earlier batch of the
   * partition stopped short; it calls `dropQueued` when it stops short itself.
   */
  async handOn(
    topic: string,
    partition: number,
    records: number,
    handle: (dropQueued: () => void) => Promise<void>,
  ): Promise<void> {
    const key = `${topic}|${partition}`;
    const epoch = this.epochs.get(key) ?? 0;
    this.pendingRecords += records;
    const job: Promise<void> = (this.chains.get(key) ?? Promise.resolve())
      .then(() => {
        if ((this.epochs.get(key) ?? 0) !== epoch) return; // an earlier batch stopped short: fetched again
        return handle(() => this.epochs.set(key, epoch + 1));
      })
      .catch((error: unknown) => this.onFailed(error, topic, partition))
      .finally(() => {
        this.pendingRecords -= records;
        this.inFlight.delete(job);
        if (this.chains.get(key) === job) this.chains.delete(key);
      });
    this.chains.set(key, job);
    this.inFlight.add(job);
    while (this.pendingRecords > this.limitRecords && this.inFlight.size > 0) await Promise.race(this.inFlight);
  }

  /** Records handed on and not yet done. */
  get pending(): number {
    return this.pendingRecords;
  }

  /** Resolves once every batch handed on so far is done (handled, dropped or failed). */
  async settled(): Promise<void> {
    await Promise.allSettled([...this.inFlight]);
  }
}
