import { CountryCode, parsePhoneNumberFromString } from 'libphonenumber-js';
import type { PhoneProblem } from '@lib/contracts';

/** Why a phone could not be made E.164 (the contracts' PHONE_PROBLEMS): counted, never a reason to drop the cart. */
export type { PhoneProblem };

export type PhoneResult = { ok: true; e164: string } | { ok: false; problem: PhoneProblem };

/**
 * A cart sends many events with the same phone, and parsing one is the dearest step of
 * normalization: the answers for the phones seen lately are kept, in two generations of at
 * most GENERATION entries (a full one becomes the old one, the old one is dropped). O(1)
 * always: evicting one by one from a Map makes its iteration skip ever more holes.
 */
const GENERATION = 10_000;
let recent = new Map<string, PhoneResult>();
let older = new Map<string, PhoneResult>();

/**
 * A shopper's phone in E.164. National numbers ("600 111 222") are read in the store's
 * country; numbers with a "+" or "00" prefix carry their own.
 */
export function phoneToE164(raw: string, defaultCountry: string): PhoneResult {
  const key = `${defaultCountry}:${raw}`;
  let result = recent.get(key);
  if (result !== undefined) return result;
  result = older.get(key) ?? parsePhone(raw, defaultCountry);
  if (recent.size >= GENERATION) {
    older = recent;
    recent = new Map();
  }
  recent.set(key, result);
  return result;
}

function parsePhone(raw: string, defaultCountry: string): PhoneResult {
  // Text without a digit is no number: answered here, since the parser's way of saying so
  // is an exception, whose stack trace costs more than a whole event.
  if (!/\d/.test(raw)) return { ok: false, problem: 'unparseable' };
  const text = raw.trim().replace(/^00(?=[1-9])/, '+');
  const parsed = parsePhoneNumberFromString(text, defaultCountry as CountryCode);
  if (!parsed) return { ok: false, problem: 'unparseable' };
  if (!parsed.isValid()) return { ok: false, problem: 'invalid-number' };
  return { ok: true, e164: parsed.number };
}
