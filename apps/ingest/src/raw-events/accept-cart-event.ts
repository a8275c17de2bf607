import { cartEventContract, Decoded, MAX_RECORD_BYTES } from '@lib/contracts';
import { NormalizedCartEvent, normalizeCartEvent, tidyCartEvent } from '../normalize/normalize-cart-event';
import type { PlatformAdapter } from '../platforms';

/** Header naming the platform of a native payload on `cart-events-raw` (absent: canonical event). */
export const SOURCE_HEADER = 'source';
/** Headers a native payload may carry on `cart-events-raw` (the webhook route writes them). */
export const STORE_ID_HEADER = 'store-id';
export const PLATFORM_TOPIC_HEADER = 'platform-topic';
export const PLATFORM_DELIVERY_HEADER = 'platform-delivery-id';
export const PLATFORM_EVENT_HEADER = 'platform-event-id';
export const PLATFORM_TRIGGERED_AT_HEADER = 'platform-triggered-at';

export interface AcceptContext {
  now: Date;
  maxFutureSkewMs: number;
  /** The store's `defaultCountry`, or the configured default for stores not known (yet). */
  countryOf(storeId: string): string;
  adapters: ReadonlyMap<string, PlatformAdapter>;
}

export interface RawRecord {
  key: Buffer | null;
  value: Buffer | null;
  headers: Record<string, string>;
}

/**
 * Decides whether one record of `cart-events-raw` becomes a cart event: size, JSON, the
 * platform adapter named by `source`, the contract, then normalization. Never throws on any
 * input: every record ends as an event or a reason.
 */
export function acceptRawRecord(record: RawRecord, ctx: AcceptContext): Decoded<NormalizedCartEvent> {
  const { value } = record;
  if (value === null) return { ok: false, reason: 'not-json', error: 'empty value' };
  if (value.length > MAX_RECORD_BYTES) {
    return { ok: false, reason: 'too-large', error: `value is ${value.length} bytes, limit ${MAX_RECORD_BYTES}` };
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(value.toString('utf8'));
  } catch (e) {
    return { ok: false, reason: 'not-json', error: `not JSON: ${(e as Error).message}` };
  }
  const source = record.headers[SOURCE_HEADER];
  if (source === undefined || source === '') return acceptCandidate(parsed, ctx);
  const adapter = ctx.adapters.get(source);
  if (!adapter) return { ok: false, reason: 'unknown-source', error: `no platform adapter for source "${source}"` };
  const key = record.key?.toString('utf8');
  const translated = adapter.translate(parsed, {
    storeId: record.headers[STORE_ID_HEADER] || key?.split(':')[0] || undefined,
    topic: record.headers[PLATFORM_TOPIC_HEADER] || undefined,
    deliveryId: record.headers[PLATFORM_DELIVERY_HEADER] || undefined,
    platformEventId: record.headers[PLATFORM_EVENT_HEADER] || undefined,
    triggeredAt: record.headers[PLATFORM_TRIGGERED_AT_HEADER] || undefined,
  });
  if (translated.kind === 'ignored') return { ok: false, reason: 'unknown-type', error: translated.why };
  if (translated.kind === 'rejected') return { ok: false, reason: translated.reason, error: translated.error };
  return acceptCandidate(translated.candidate, ctx);
}

/** A parsed canonical event candidate (from a record, a platform adapter or HTTP) → normalized event. */
export function acceptCandidate(candidate: unknown, ctx: AcceptContext): Decoded<NormalizedCartEvent> {
  const checked = cartEventContract.check(tidyCartEvent(candidate));
  if (!checked.ok) return checked;
  return normalizeCartEvent(checked.value, {
    now: ctx.now,
    maxFutureSkewMs: ctx.maxFutureSkewMs,
    defaultCountry: ctx.countryOf(checked.value.storeId),
  });
}
