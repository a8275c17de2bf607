import { join } from 'node:path';
import type { ConsumedRecord } from '@lib/kafka';
import { TransientError } from '@lib/kafka';
import { PLATFORM_ADAPTERS } from '../src/platforms';
import type { AcceptContext } from '../src/raw-events/accept-cart-event';
import { decideBatch } from '../src/raw-events/decide-batch';
import { DecisionPool } from '../src/raw-events/decision-pool';
import { StoreDirectory } from '../src/store-directory/store-directory';

const entry = join(__dirname, 'decision-worker.entry.js');
const now = new Date();

function record(i: number, value: string | null, key: string | null = null): ConsumedRecord {
  return {
    topic: 'raw',
    partition: 1,
    offset: String(i),
    key: key === null ? null : Buffer.from(key),
    value: value === null ? null : Buffer.from(value),
    headers: {},
    timestamp: '0',
  };
}

function event(storeId: string, cartId: string, phone: string) {
  return JSON.stringify({
    schemaVersion: 1,
    eventId: `e-${cartId}`,
    type: 'cart.updated',
    occurredAt: new Date(now.getTime() - 60_000).toISOString(),
    storeId,
    cartId,
    customer: { phone, firstName: 'Zoë' },
    items: [{ sku: 'A', title: 'Crème ☕', quantity: 1, unitPrice: '2.5' }],
    currency: 'EUR',
    total: '2.5',
  });
}

describe('DecisionPool on real worker threads', () => {
  const stores = new StoreDirectory();
  const ctx: AcceptContext = {
    now,
    maxFutureSkewMs: 300_000,
    countryOf: (storeId) => stores.get(storeId)?.defaultCountry ?? 'ES',
    adapters: PLATFORM_ADAPTERS,
  };
  let pool: DecisionPool;

  beforeAll(() => {
    pool = new DecisionPool({ workers: 2, entry, workerHeapMb: 64, stores, fallbackCountry: 'ES' });
  });
  afterAll(() => pool.close());

  it('decides as the main thread would, with the stores countries as they change', async () => {
    const records = [
      record(0, event('shop-us', 'c1', '415 555 2671')),
      record(1, '{"broken'),
      record(2, event('lola', 'c2', '600 111 222')),
      record(3, null),
    ];
    for (let round = 0; round < 2; round++) {
      const fromWorker = await pool.decide(records, ctx, 'out');
      const here = decideBatch(records, ctx, 'out');
      expect(fromWorker.outputs.map((o) => [o.key, String(o.value)])).toEqual(
        here.outputs.map((o) => [o.key, o.value]),
      );
      expect(fromWorker.deadLetters).toEqual(here.deadLetters);
      // The US store becomes known: its national number is read as a US one from then on.
      stores.applyRecord('shop-us', JSON.stringify({ defaultCountry: 'US' }));
    }
    const last = await pool.decide(records, ctx, 'out');
    expect(JSON.parse(String(last.outputs[0].value)).customer.phone).toBe('+14155552671');
  });

  it('fails the batches of a worker that dies as transient, and goes on with a new worker', async () => {
    const big = Array.from({ length: 3000 }, (_, i) =>
      record(i, event('lola', `k${i}`, `+34 6${String(i).padStart(8, '0')}`)),
    );
    const slots = (pool as unknown as { slots: Array<{ worker: { terminate(): Promise<number> } }> }).slots;
    const inFlight = [pool.decide(big, ctx, 'out'), pool.decide(big, ctx, 'out')];
    await Promise.all(slots.map((s) => s.worker.terminate()));
    const settled = await Promise.allSettled(inFlight);
    for (const s of settled) {
      if (s.status === 'rejected') expect(s.reason).toBeInstanceOf(TransientError);
    }
    const again = await pool.decide(big, ctx, 'out');
    expect(again.outputs).toHaveLength(3000);
    expect(pool.threads).toBe(2);
  });
});
