import { Injectable } from '@nestjs/common';

/**
 * Settles once the sender has read the facts (store settings, conversions and emptyings,
 * opt-outs) published before it started, or gave up waiting for them. Nothing is sent before:
 * a message deferred to an opening that passed while the sender was down would otherwise be
 * decided against a purchase or an opt-out it has not read yet.
 */
@Injectable()
export class FactsRead {
  private settle!: () => void;
  readonly done: Promise<void> = new Promise((resolve) => (this.settle = resolve));

  markDone(): void {
    this.settle();
  }
}
