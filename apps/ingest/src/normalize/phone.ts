import { CountryCode, parsePhoneNumberFromString } from 'libphonenumber-js';

/** Why a phone could not be made E.164: counted, never a reason to drop the cart. */
export type PhoneProblem = 'unparseable' | 'invalid-number';

export type PhoneResult = { ok: true; e164: string } | { ok: false; problem: PhoneProblem };

/**
 * A shopper's phone in E.164. National numbers ("600 111 222") are read in the store's
 * country; numbers with a "+" or "00" prefix carry their own.
 */
export function phoneToE164(raw: string, defaultCountry: string): PhoneResult {
  const text = raw.trim().replace(/^00(?=[1-9])/, '+');
  const parsed = parsePhoneNumberFromString(text, defaultCountry as CountryCode);
  if (!parsed) return { ok: false, problem: 'unparseable' };
  if (!parsed.isValid()) return { ok: false, problem: 'invalid-number' };
  return { ok: true, e164: parsed.number };
}
