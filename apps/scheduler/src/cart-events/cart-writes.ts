import { TransientError } from '@lib/kafka';
import { CartRepository, cartKeyOf, StoredCart } from './cart.repository';

/** Optimistic writes that met a concurrent writer are read and decided again, this many times. */
export const MAX_WRITE_ROUNDS = 5;

export interface CartRef {
  storeId: string;
  cartId: string;
}

/** A cart write that landed, beside the stored cart it was decided from (none for a new cart). */
export interface LandedWrite {
  write: StoredCart;
  before: StoredCart | undefined;
}

/**
 * The one optimistic write loop of the scheduler's carts: decide from what is stored, save
 * each cart only if its version is still the one read, and read and decide again the carts
 * another writer (another instance, the timers) changed meanwhile. Past MAX_WRITE_ROUNDS the
 * batch fails as transient and is tried again whole. `stored` skips the first read when the
 * caller already holds the carts.
 */
export async function writeCarts<R extends CartRef>(
  carts: Pick<CartRepository, 'load' | 'save'>,
  refs: R[],
  decide: (refs: R[], stored: Map<string, StoredCart>) => Promise<StoredCart[]>,
  what: string,
  stored?: Map<string, StoredCart>,
): Promise<LandedWrite[]> {
  const landed: LandedWrite[] = [];
  let pending = refs;
  let known = stored;
  for (let round = 1; pending.length > 0; round++) {
    if (round > MAX_WRITE_ROUNDS) throw new TransientError(`carts kept changing ${what}: ${pending.length} left`);
    const current = known ?? (await carts.load(pending));
    known = undefined;
    const writes = await decide(pending, current);
    const conflicts = await carts.save(writes);
    for (const write of writes) {
      const key = cartKeyOf(write.state.storeId, write.state.cartId);
      if (!conflicts.has(key)) landed.push({ write, before: current.get(key) });
    }
    pending = pending.filter((r) => conflicts.has(cartKeyOf(r.storeId, r.cartId)));
  }
  return landed;
}
