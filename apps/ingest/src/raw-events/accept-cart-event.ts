import { CartEvent, cartEventContract, Decoded } from '@lib/contracts';

/**
 * Decides whether raw bytes are a cart event ingest can pass on, and returns it in the
 * canonical normal form: trimmed text, upper-case currency, `occurredAt` in UTC.
 */
export function acceptCartEvent(bytes: Buffer | null, now: Date, maxFutureSkewMs: number): Decoded<CartEvent> {
  const decoded = cartEventContract.decode(bytes);
  if (!decoded.ok) return decoded;
  const event = decoded.value;
  const occurredAt = new Date(event.occurredAt);
  if (occurredAt.getTime() - now.getTime() > maxFutureSkewMs) {
    return {
      ok: false,
      reason: 'occurred-in-future',
      error: `occurredAt ${event.occurredAt} is more than ${maxFutureSkewMs / 1000} s ahead of ${now.toISOString()}`,
    };
  }
  return { ok: true, value: normalizeCartEvent({ ...event, occurredAt: occurredAt.toISOString() }) };
}

function normalizeCartEvent(event: CartEvent): CartEvent {
  return {
    ...event,
    eventId: event.eventId.trim(),
    currency: event.currency?.toUpperCase(),
    customer: event.customer && {
      ...event.customer,
      firstName: event.customer.firstName?.trim() || undefined,
      phone: event.customer.phone?.trim(),
    },
    items: event.items?.map((item) => ({ ...item, sku: item.sku.trim(), title: item.title.trim() })),
  };
}
