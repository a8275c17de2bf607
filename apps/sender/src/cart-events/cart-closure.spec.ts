import type { CartEvent, CartEventType } from '@lib/contracts';
import { closureOf } from './cart-closure';

const event = (type: CartEventType, patch: Partial<CartEvent> = {}): CartEvent => ({
  schemaVersion: 1,
  eventId: 'e-1',
  type,
  occurredAt: '2026-11-25T10:00:00.000Z',
  storeId: 'lola-shoes',
  cartId: 'c-1',
  ...patch,
});

describe('cart closures from cart-events', () => {
  it('a conversion or an emptying closes the cart at its occurredAt', () => {
    expect(closureOf(event('cart.converted', { orderId: 'o-1', total: '10.00', currency: 'EUR' }))).toEqual({
      storeId: 'lola-shoes',
      cartId: 'c-1',
      kind: 'converted',
      occurredAt: new Date('2026-11-25T10:00:00.000Z'),
    });
    expect(closureOf(event('cart.emptied'))).toMatchObject({ kind: 'emptied' });
  });

  it('activity closes nothing', () => {
    expect(closureOf(event('cart.updated'))).toBeUndefined();
    expect(closureOf(event('checkout.started'))).toBeUndefined();
  });
});
