import { createHash } from 'node:crypto';
import Handlebars from 'handlebars';
import type { SendDue, StoreSettings } from '@lib/contracts';
import { LruCache } from './compiled-template-cache';
import { DEFAULT_BODY_PARAMETERS, DEFAULT_TEMPLATES } from './default-templates';
import { HelperData, MessageContext, messageContext } from './message-context';
import { HELPER_NAMES, MESSAGE_HELPERS } from './message-helpers';
import { formattingLocale, languageOf } from './message-locale';
import { MessageTemplateError, oneLine } from './message-template-error';
import { capUnits, singleLine } from './shopper-text';

/** WhatsApp's limit on a text message body. */
export const TEXT_BODY_MAX = 4096;
/** WhatsApp's limit on one template body parameter when the template has other components. */
export const BODY_PARAMETER_MAX = 1024;
/** A URL button's whole URL may be 2,000 characters; the approved base takes part of it. */
export const BUTTON_URL_SUFFIX_MAX = 2000;
/** When no language fits: the shipped template every store can fall back to. */
const LAST_RESORT_LANGUAGE = 'en';
/** Cache scope of the shipped templates: compiled once for all stores. Store ids cannot contain '*'. */
const SHIPPED_SCOPE = '*shipped*';

export interface RenderInput {
  sendDue: SendDue;
  settings: StoreSettings;
  /**
   * The message's click-tracked link (store settings `links.baseUrl`), when it has one: it
   * replaces the store's recovery URL wherever a template shows the link, and in template mode
   * its token is the URL button's dynamic suffix (the button approved as `<baseUrl>/r/{{1}}`).
   */
  link?: TrackedLink;
}

export interface TrackedLink {
  /** `<baseUrl>/r/<token>` */
  url: string;
  token: string;
}

/** A sample token, shaped as real ones are (libs/secrets link-token.ts), for previews. */
export const SAMPLE_LINK_TOKEN = 'PreviewSample000.NotARealLink0000';

/**
 * The link a preview shows for a store with `links.baseUrl` (a sample token that leads nowhere),
 * or none: the preview then shows the store's own recovery URL, as the message will.
 */
export function sampleLink(settings: StoreSettings): TrackedLink | undefined {
  const baseUrl = settings.links?.baseUrl;
  return baseUrl ? { url: `${baseUrl}/r/${SAMPLE_LINK_TOKEN}`, token: SAMPLE_LINK_TOKEN } : undefined;
}

/** The context a template of this message sees: the tracked link, when there is one, as its link. */
function contextOf(input: RenderInput, language: string): MessageContext {
  const sendDue = input.link ? { ...input.sendDue, recoveryUrl: input.link.url } : input.sendDue;
  return messageContext(sendDue, input.settings, language);
}

export interface RenderedMessage {
  /** The message's language: the shopper's, else the store's. */
  locale: 'es' | 'en' | string;
  text: string;
  /** Whose template was rendered: the store's own, or the shipped default. */
  template: 'store' | 'default';
  /** Why the store's template was set aside for the default, when it was (worth a log line). */
  fallbackReason?: string;
}

export interface RenderedTemplateParameters {
  templateName: string;
  languageCode: string;
  bodyParameters: string[];
  buttonUrlSuffix?: string;
}

export interface RendererStats {
  /** Templates compiled (cache misses). */
  compilations: number;
  cacheHits: number;
  cached: number;
}

export interface MessageRenderer {
  renderMessage(input: RenderInput): RenderedMessage;
  renderTemplateParameters(input: RenderInput): RenderedTemplateParameters;
  /** Renders one template source as the given store would, for validation; throws what it throws. */
  renderSource(source: string, scope: string, context: MessageContext, data: HelperData): string;
  stats(): RendererStats;
}

type Compiled = Handlebars.TemplateDelegate<MessageContext>;

// noEscape: the output is WhatsApp text, not HTML ("Tom & Jerry's" must stay as typed).
// strict: a misspelt field is an error, caught when the store saves its settings.
// knownHelpersOnly: a template can call our helpers and the built-in block helpers, nothing else.
const COMPILE_OPTIONS: CompileOptions = {
  noEscape: true,
  strict: true,
  knownHelpersOnly: true,
  knownHelpers: { ...Object.fromEntries(HELPER_NAMES.map((name) => [name, true])), log: false },
};

/** An isolated Handlebars: our helpers only, no `log` (it would write shopper data to the console). */
function createHandlebars(): typeof Handlebars {
  const handlebars = Handlebars.create();
  handlebars.unregisterHelper('log');
  handlebars.registerHelper(MESSAGE_HELPERS);
  return handlebars;
}

export function createMessageRenderer(options: { cacheSize?: number } = {}): MessageRenderer {
  const handlebars = createHandlebars();
  const cache = new LruCache<Compiled>(options.cacheSize ?? 2000);
  const counters = { compilations: 0, cacheHits: 0 };
  // Settings stay in memory between renders, so the same template strings come back again and
  // again; V8 keeps a string's own hash, so this lookup is cheaper than hashing the text anew.
  const hashes = new Map<string, string>();
  const hashesMax = 2 * cache.capacity;

  function textHash(source: string): string {
    let hash = hashes.get(source);
    if (hash === undefined) {
      hash = createHash('sha256').update(source).digest('base64url');
      if (hashes.size >= hashesMax) hashes.clear();
      hashes.set(source, hash);
    }
    return hash;
  }

  function compiled(scope: string, source: string, purpose: string): Compiled {
    // Keyed by scope (a store, or the shipped defaults all stores share), purpose and the text's
    // hash: an edited template is a new version, and the old one ages out of the LRU.
    const key = `${scope}\u0000${purpose}\u0000${textHash(source)}`;
    let template = cache.get(key);
    if (template) {
      counters.cacheHits++;
      return template;
    }
    counters.compilations++;
    template = handlebars.compile<MessageContext>(source, COMPILE_OPTIONS);
    cache.set(key, template);
    return template;
  }

  function renderSource(source: string, scope: string, context: MessageContext, data: HelperData): string {
    return compiled(scope, source, context.locale)(context, { data });
  }

  function chooseLanguage(input: RenderInput): string {
    const own = input.settings.messageTemplates ?? {};
    const candidates = [languageOf(input.sendDue.customer.locale), languageOf(input.settings.locale)];
    for (const language of candidates) {
      if (language && (own[language] || DEFAULT_TEMPLATES[language])) return language;
    }
    return LAST_RESORT_LANGUAGE;
  }

  /** Of the languages the template is approved in, the shopper's, else the store's. */
  function approvedLanguage(input: RenderInput): string | undefined {
    const approved = input.settings.whatsapp.templateLanguages ?? [];
    for (const wanted of [languageOf(input.sendDue.customer.locale), languageOf(input.settings.locale)]) {
      const code = wanted ? approved.find((c) => languageOf(c) === wanted) : undefined;
      if (code) return code;
    }
    return undefined;
  }

  function renderWith(input: RenderInput, language: string, source: string, scope: string): string {
    const context = contextOf(input, language);
    const data: HelperData = { language, formatLocale: formattingLocale(language, input.sendDue.customer.locale) };
    const text = renderSource(source, scope, context, data).trim();
    if (text.length > TEXT_BODY_MAX) {
      throw new Error(`renders to ${text.length} characters, over WhatsApp's ${TEXT_BODY_MAX}`);
    }
    if (!text) throw new Error('renders an empty message');
    return text;
  }

  function renderMessage(input: RenderInput): RenderedMessage {
    const language = chooseLanguage(input);
    const own = input.settings.messageTemplates?.[language];
    if (own) {
      try {
        return { locale: language, text: renderWith(input, language, own, input.settings.storeId), template: 'store' };
      } catch (error) {
        // Settings are checked with templateProblems when saved; what still fails here (an
        // unusually long cart, say) should not lose the shopper: the shipped message goes instead.
        const fallbackLanguage = DEFAULT_TEMPLATES[language] ? language : (languageOf(input.settings.locale) ?? '');
        const chosen = DEFAULT_TEMPLATES[fallbackLanguage] ? fallbackLanguage : LAST_RESORT_LANGUAGE;
        return {
          locale: chosen,
          text: renderDefault(input, chosen),
          template: 'default',
          fallbackReason: `messageTemplates.${language}: ${oneLine(error)}`,
        };
      }
    }
    return { locale: language, text: renderDefault(input, language), template: 'default' };
  }

  function renderDefault(input: RenderInput, language: string): string {
    try {
      return renderWith(input, language, DEFAULT_TEMPLATES[language], SHIPPED_SCOPE);
    } catch (error) {
      throw new MessageTemplateError(`default template ${language}`, oneLine(error));
    }
  }

  function renderTemplateParameters(input: RenderInput): RenderedTemplateParameters {
    const { whatsapp } = input.settings;
    if (!whatsapp.templateName) {
      throw new MessageTemplateError('whatsapp.templateName', 'not set, and template mode needs the approved name');
    }
    const languageCode = approvedLanguage(input) ?? whatsapp.templateLanguage ?? chooseLanguage(input);
    // The helpers speak the approved template's language, whatever the shopper's.
    const language = languageOf(languageCode) ?? LAST_RESORT_LANGUAGE;
    const context = contextOf(input, language);
    const data: HelperData = { language, formatLocale: formattingLocale(language, input.sendDue.customer.locale) };
    const configured = whatsapp.templateParameters?.body;
    const scope = configured ? input.settings.storeId : SHIPPED_SCOPE;
    const expressions = configured ?? DEFAULT_BODY_PARAMETERS;
    const bodyParameters = expressions.map((expression, index) => {
      const field = `whatsapp.templateParameters.body[${index}]`;
      return bodyParameter(field, () => renderSource(expression, scope, context, data));
    });
    const suffixExpression = whatsapp.templateParameters?.buttonUrlSuffix;
    const result: RenderedTemplateParameters = { templateName: whatsapp.templateName, languageCode, bodyParameters };
    if (suffixExpression !== undefined && input.link) {
      result.buttonUrlSuffix = input.link.token;
    } else if (suffixExpression !== undefined) {
      const storeId = input.settings.storeId;
      result.buttonUrlSuffix = buttonUrlSuffix(() => renderSource(suffixExpression, storeId, context, data));
    }
    return result;
  }

  return {
    renderMessage,
    renderTemplateParameters,
    renderSource,
    stats: () => ({ ...counters, cached: cache.size }),
  };
}

function attempt(field: string, render: () => string): string {
  try {
    return render();
  } catch (error) {
    throw new MessageTemplateError(field, oneLine(error));
  }
}

/**
 * A body parameter as the Cloud API takes it: one line, no tabs, never more than one space in a
 * row (it refuses new lines and 5+ spaces with 132018), not empty (131008), at most 1,024
 * characters (longer ones end with "…").
 */
export function bodyParameter(field: string, render: () => string): string {
  const text = singleLine(attempt(field, render));
  if (!text) throw new MessageTemplateError(field, 'renders empty, and WhatsApp refuses an empty parameter');
  return capUnits(text, BODY_PARAMETER_MAX);
}

/** The dynamic end of a URL button: no whitespace at all, never cut (a cut URL is a broken link). */
export function buttonUrlSuffix(render: () => string): string {
  const field = 'whatsapp.templateParameters.buttonUrlSuffix';
  const text = singleLine(attempt(field, render)).replace(/\s+/g, '');
  if (!text) throw new MessageTemplateError(field, 'renders empty');
  if (text.length > BUTTON_URL_SUFFIX_MAX) {
    throw new MessageTemplateError(field, `renders ${text.length} characters, over ${BUTTON_URL_SUFFIX_MAX}`);
  }
  return text;
}
