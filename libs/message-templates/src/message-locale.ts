// Which language a message is written in, and the few words the helpers add in that language.

/** Words the helpers write themselves. Languages without an entry use English. */
export interface HelperWords {
  /** What `{{firstName}}` says when the shopper's name is unknown ("¡Hola de nuevo!", "Hi there!"). */
  nameFallback: string;
  /** The tail of `{{itemsSummary}}` for items not listed ("y 2 más", "and 2 more"). */
  more: (count: number) => string;
}

const WORDS: Record<string, HelperWords> = {
  es: { nameFallback: 'de nuevo', more: (n) => `${n} más` },
  en: { nameFallback: 'there', more: (n) => `${n} more` },
  pt: { nameFallback: 'de novo', more: (n) => `mais ${n}` },
  fr: { nameFallback: 'à nouveau', more: (n) => `${n} de plus` },
  it: { nameFallback: 'di nuovo', more: (n) => `altri ${n}` },
  de: { nameFallback: 'noch einmal', more: (n) => `${n} weitere` },
};

export function helperWords(language: string): HelperWords {
  return WORDS[language] ?? WORDS.en;
}

/** "es-ES", "es_MX", "ES" → "es"; undefined when it is not a language tag. */
export function languageOf(locale: string | undefined | null): string | undefined {
  const match = /^([A-Za-z]{2,3})(?:[-_]|$)/.exec(locale ?? '');
  return match ? match[1].toLowerCase() : undefined;
}

const canonical = new Map<string, string | null>();

/** A BCP 47 tag Intl accepts ("es_MX" → "es-MX"), or undefined. Memoised: Intl calls are not free. */
export function intlLocale(locale: string | undefined | null): string | undefined {
  if (!locale) return undefined;
  let known = canonical.get(locale);
  if (known === undefined) {
    try {
      known = Intl.getCanonicalLocales(locale.replace(/_/g, '-'))[0] ?? null;
    } catch {
      known = null;
    }
    if (canonical.size > 1000) canonical.clear();
    canonical.set(locale, known);
  }
  return known ?? undefined;
}

/**
 * The locale used for numbers and lists: the shopper's full locale when it speaks the message's
 * language ("es-CL" formats pesos the Chilean way), else the message's language itself.
 */
export function formattingLocale(language: string, shopperLocale: string | undefined): string {
  const shopper = intlLocale(shopperLocale);
  if (shopper && languageOf(shopper) === language) return shopper;
  return intlLocale(language) ?? 'en';
}
