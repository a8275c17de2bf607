import type { CartEvent } from '@lib/contracts';

/** A cart that will not be recovered any more: an order was placed, or it was emptied. */
export interface CartClosure {
  storeId: string;
  cartId: string;
  kind: 'converted' | 'emptied';
  occurredAt: Date;
}

/**
 * The closure a cart event carries, if any. Activity events are not the sender's business
 * (the scheduler plans on them).
 */
export function closureOf(event: CartEvent): CartClosure | undefined {
  if (event.type !== 'cart.converted' && event.type !== 'cart.emptied') return undefined;
  return {
    storeId: event.storeId,
    cartId: event.cartId,
    kind: event.type === 'cart.converted' ? 'converted' : 'emptied',
    occurredAt: new Date(event.occurredAt),
  };
}
