/** ISO 4217 codes this runtime knows (Intl carries the standard's table, minor units included). */
const KNOWN_CURRENCIES = new Set(Intl.supportedValuesOf('currency'));
const digitsByCurrency = new Map<string, number>();

/** Minor-unit digits of an ISO 4217 currency (EUR 2, JPY 0, KWD 3), or undefined when unknown. */
export function currencyDigits(currency: string): number | undefined {
  const code = currency.toUpperCase();
  if (!KNOWN_CURRENCIES.has(code)) return undefined;
  let digits = digitsByCurrency.get(code);
  if (digits === undefined) {
    digits = new Intl.NumberFormat('en', { style: 'currency', currency: code }).resolvedOptions()
      .maximumFractionDigits as number;
    digitsByCurrency.set(code, digits);
  }
  return digits;
}

const DECIMAL = /^(0|[1-9]\d*)(?:\.(\d+))?$/;

export type MoneyResult = { ok: true; value: string } | { ok: false; error: string };

/**
 * Writes a decimal string with exactly the currency's digits ("59.9" EUR → "59.90",
 * "1200.00" JPY → "1200"). Pure string work: money never passes through a float. Extra
 * digits are accepted only when they are zeros: rounding a price is not ingest's call.
 */
export function moneyWithDigits(amount: string, digits: number): MoneyResult {
  const match = DECIMAL.exec(amount);
  if (!match) return { ok: false, error: `"${amount}" is not a decimal string` };
  const [, whole, fraction = ''] = match;
  const kept = fraction.slice(0, digits);
  if (/[^0]/.test(fraction.slice(digits))) {
    return { ok: false, error: `"${amount}" has more than the currency's ${digits} decimal digit(s)` };
  }
  return { ok: true, value: digits === 0 ? whole : `${whole}.${kept.padEnd(digits, '0')}` };
}
