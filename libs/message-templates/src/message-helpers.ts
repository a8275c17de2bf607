import type { HelperDelegate, HelperOptions } from 'handlebars';
import { HelperData, MessageContext, MessageItem, TITLE_MAX } from './message-context';
import { helperWords } from './message-locale';
import { shopperText } from './shopper-text';

/** The helpers every template may call; with `knownHelpersOnly`, anything else is a compile error. */
export const HELPER_NAMES = ['firstName', 'itemsSummary', 'money', 'recoveryLink'] as const;

const GREETING_MAX = 40;
const SUMMARY_DEFAULT = 3;
const SUMMARY_MAX = 10;

// Handlebars passes the options object last, after however many positional arguments were given.
function split(args: unknown[]): { params: unknown[]; options: HelperOptions } {
  return { params: args.slice(0, -1), options: args[args.length - 1] as HelperOptions };
}

function rootOf(options: HelperOptions): MessageContext {
  return (options.data as { root: MessageContext }).root;
}

function dataOf(options: HelperOptions): HelperData {
  return options.data as HelperData;
}

function capitalized(word: string, locale: string): string {
  return word.charAt(0).toLocaleUpperCase(locale) + word.slice(1);
}

/**
 * `{{firstName}}` → "Ana", or the language's fallback ("de nuevo", "there") when unknown, so
 * "¡Hola {{firstName}}!" reads "¡Hola de nuevo!". `{{firstName fallback="amiga"}}` picks the
 * fallback. `{{firstName greeting="hola"}}` is the greeting form: "Hola Ana", or just "Hola".
 */
function firstName(...args: unknown[]): string {
  const { params, options } = split(args);
  // A positional argument is a likely slip ({{firstName customer.firstName}} would print the name
  // twice in greeting form): refuse it, so templateProblems reports it when the store saves.
  if (params.length > 0) {
    throw new Error('firstName takes no positional argument: use {{firstName}}, fallback="…" or greeting="…"');
  }
  const name = rootOf(options).customer.firstName;
  const { language, formatLocale } = dataOf(options);
  const { greeting, fallback } = (options.hash ?? {}) as Record<string, unknown>;
  if (greeting !== undefined) {
    const word = capitalized(shopperText(String(greeting), GREETING_MAX), formatLocale);
    return name ? `${word} ${name}` : word;
  }
  if (name) return name;
  return fallback !== undefined ? shopperText(String(fallback), GREETING_MAX) : helperWords(language).nameFallback;
}

const listFormats = new Map<string, Intl.ListFormat>();
function listFormat(locale: string): Intl.ListFormat {
  let format = listFormats.get(locale);
  if (!format) {
    format = new Intl.ListFormat(locale, { type: 'conjunction', style: 'long' });
    listFormats.set(locale, format);
  }
  return format;
}

/**
 * `{{itemsSummary items}}` → "Zapatillas Lola ×1, Calcetines ×2, Gorra ×1 y 4 más": up to three
 * titles with quantities (`max=` changes it, 1–10), the rest counted in the message's language.
 */
function itemsSummary(...args: unknown[]): string {
  const { params, options } = split(args);
  const items = (params.length > 0 ? params[0] : rootOf(options).items) as MessageItem[];
  if (!Array.isArray(items)) throw new Error('itemsSummary expects the cart items: {{itemsSummary items}}');
  const requested = Number(options.hash?.max ?? SUMMARY_DEFAULT);
  const max = Number.isInteger(requested) ? Math.min(Math.max(requested, 1), SUMMARY_MAX) : SUMMARY_DEFAULT;
  const { language, formatLocale } = dataOf(options);
  // Items not built by messageContext (a merchant's own array) are cleaned here too.
  const shown = items
    .slice(0, max)
    .map((item) => `${shopperText(String(item.title), TITLE_MAX) || '?'} ×${Number(item.quantity)}`);
  if (items.length > max) shown.push(helperWords(language).more(items.length - max));
  return listFormat(formatLocale).format(shown);
}

const DECIMAL = /^-?\d{1,18}(\.\d{1,8})?$/;
const moneyFormats = new Map<string, Intl.NumberFormat>();
function moneyFormat(locale: string, currency: string): Intl.NumberFormat {
  const key = `${locale}|${currency}`;
  let format = moneyFormats.get(key);
  if (!format) {
    format = currency
      ? new Intl.NumberFormat(locale, { style: 'currency', currency })
      : new Intl.NumberFormat(locale, { minimumFractionDigits: 0, maximumFractionDigits: 4 });
    if (moneyFormats.size > 500) moneyFormats.clear();
    moneyFormats.set(key, format);
  }
  return format;
}

/**
 * `{{money}}` → the cart total, `{{money unitPrice}}` → an amount, both in the cart's currency;
 * `{{money amount "USD"}}` names the currency. Amounts are decimal strings and are formatted from
 * the string (Intl keeps every digit, no float rounding). Empty when there is no amount.
 */
function money(...args: unknown[]): string {
  const { params, options } = split(args);
  const root = rootOf(options);
  const amount = params.length > 0 ? params[0] : root.total;
  const currency = String((params.length > 1 ? params[1] : root.currency) ?? '').toUpperCase();
  if (amount === undefined || amount === null || amount === '') return '';
  const text = String(amount);
  if (!DECIMAL.test(text)) throw new Error(`money expects a decimal amount such as "59.90", got "${text}"`);
  if (currency && !/^[A-Z]{3}$/.test(currency))
    throw new Error(`money expects an ISO 4217 currency, got "${currency}"`);
  // Intl.NumberFormat.format takes decimal strings exactly (ES2023); the types still say number.
  return moneyFormat(dataOf(options).formatLocale, currency).format(text as unknown as number);
}

/**
 * `{{recoveryLink}}` → the recovery URL. Hash arguments add query parameters
 * (`{{recoveryLink utm_source="whatsapp"}}`); `after="https://shop.example/"` gives what follows
 * that prefix, for a template's URL button whose base URL is approved with the template.
 */
function recoveryLink(...args: unknown[]): string {
  const { options } = split(args);
  const { after, ...query } = (options.hash ?? {}) as Record<string, unknown>;
  let url = rootOf(options).recoveryUrl;
  const extra = Object.entries(query);
  if (extra.length > 0) {
    const parsed = new URL(url);
    for (const [key, value] of extra) parsed.searchParams.set(key, String(value));
    url = parsed.toString();
  }
  if (after === undefined) return url;
  const prefix = String(after);
  if (!url.startsWith(prefix)) {
    if (dataOf(options).sample) return new URL(url).pathname.slice(1);
    throw new Error(`the recovery link does not start with "${prefix}"`);
  }
  return url.slice(prefix.length);
}

export const MESSAGE_HELPERS: Record<(typeof HELPER_NAMES)[number], HelperDelegate> = {
  firstName,
  itemsSummary,
  money,
  recoveryLink,
};
