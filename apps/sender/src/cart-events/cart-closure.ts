import { CartEvent, cartEventContract } from '@lib/contracts';

/** A cart that will not be recovered any more: an order was placed, or it was emptied. */
export interface CartClosure {
  storeId: string;
  cartId: string;
  kind: 'converted' | 'emptied';
  occurredAt: Date;
}

/**
 * The closure a `cart-events` record carries, if any. Activity events are not the sender's
 * business (the scheduler plans on them); an unreadable record is skipped here, since the
 * scheduler dead-letters the same record already.
 */
export function closureOf(value: Buffer | null): CartClosure | undefined {
  const decoded = cartEventContract.decode(value);
  if (!decoded.ok) return undefined;
  const event: CartEvent = decoded.value;
  if (event.type !== 'cart.converted' && event.type !== 'cart.emptied') return undefined;
  return {
    storeId: event.storeId,
    cartId: event.cartId,
    kind: event.type === 'cart.converted' ? 'converted' : 'emptied',
    occurredAt: new Date(event.occurredAt),
  };
}
