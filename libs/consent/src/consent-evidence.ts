import { shopperKey, type CartEvent, type Consent, type ShopperKey } from '@lib/contracts';

/**
 * Consent evidence for WhatsApp messages: which of a cart event's consent records counts, and
 * which of two records of one shopper is the one to keep. A `whatsapp` record counts first; a
 * platform without a WhatsApp consent field reports `sms` (Shopify), the channel ingest reads
 * `customer.whatsappOptIn` from, so an `sms` record counts when there is no `whatsapp` one.
 * Email consent never counts for messages on the phone.
 */

/** The one consent record kept per (store, phone): the latest grant or withdrawal. */
export interface ConsentRecord {
  storeId: string;
  phone: string;
  channel: 'whatsapp' | 'sms';
  state: 'granted' | 'withdrawn';
  source: string;
  /** When the shopper gave or withdrew it: the record's own time, else the event's. */
  at: Date;
  collectedFrom: string | null;
  optInLevel: string | null;
  wording: string | null;
  wordingVersion: string | null;
  /** The cart event that carried it. */
  eventId: string;
}

const COUNTS_FOR_WHATSAPP = ['whatsapp', 'sms'] as const;

/** The record of this event that counts for WhatsApp messages, or null (no phone, none reported). */
export function whatsappConsentOf(event: CartEvent): ConsentRecord | null {
  const phone = event.customer?.phone;
  if (!phone || !event.consent?.length) return null;
  let chosen: Consent | undefined;
  for (const channel of COUNTS_FOR_WHATSAPP) {
    chosen = event.consent.find((c) => c.channel === channel);
    if (chosen) break;
  }
  if (!chosen) return null;
  return {
    storeId: event.storeId,
    phone,
    channel: chosen.channel as ConsentRecord['channel'],
    state: chosen.state,
    source: chosen.source,
    at: new Date(chosen.at ?? event.occurredAt),
    collectedFrom: chosen.collectedFrom ?? null,
    optInLevel: chosen.optInLevel ?? null,
    wording: chosen.wording ?? null,
    wordingVersion: chosen.wordingVersion ?? null,
    eventId: event.eventId,
  };
}

/**
 * Whether `next` replaces `kept` as the shopper's record: the later one wins; at the same
 * time a withdrawal wins over a grant (never message on a tie), and otherwise the kept one stays
 * (a redelivered event changes nothing).
 */
export function replacesConsent(kept: ConsentRecord | undefined, next: ConsentRecord): boolean {
  if (!kept) return true;
  const d = next.at.getTime() - kept.at.getTime();
  if (d !== 0) return d > 0;
  return next.state === 'withdrawn' && kept.state === 'granted';
}

/** A withdrawal is honoured as an opt-out: the shopper is never messaged by that store again. */
export function withdrawsConsent(record: ConsentRecord): boolean {
  return record.state === 'withdrawn';
}

/** The latest record per shopper (store, phone) among a batch's events. */
export function latestConsents(events: readonly CartEvent[]): Map<ShopperKey, ConsentRecord> {
  const latest = new Map<ShopperKey, ConsentRecord>();
  for (const event of events) {
    const record = whatsappConsentOf(event);
    if (!record) continue;
    const key = shopperKey(record.storeId, record.phone);
    if (replacesConsent(latest.get(key), record)) latest.set(key, record);
  }
  return latest;
}
