import { Value } from '@sinclair/typebox/value';
import { STORE_ID_PATTERN, StoreSettings, StoreSettingsSchema, WEBHOOK_PLATFORMS, withDefaults } from '@lib/contracts';
import { isValidTimeZone, validateOpeningHours } from '@lib/business-hours';
import { templateProblems } from '@lib/message-templates';

export type SettingsDecision = { ok: true; settings: StoreSettings } | { ok: false; problems: string[] };

const STORE_ID = new RegExp(STORE_ID_PATTERN);

export function isStoreId(storeId: string): boolean {
  return STORE_ID.test(storeId);
}

/**
 * Checks a `PUT /v1/stores/{storeId}` body and makes it the settings to store and publish:
 * the contract's shape and ranges (defaults filled), the IANA zone, opening hours without
 * overlaps, closed dates, templates that render with the project's helpers, the WhatsApp
 * fields the chosen mode needs. Secrets are write-only: one left out keeps the previous
 * (sealed) value, so a GET-edit-PUT round trip never erases a token it could not see; the
 * caller seals the plaintext ones before anything is stored or published. Every problem
 * is listed at once, so the merchant fixes the settings in one go.
 */
export function checkStoreSettings(
  storeId: string,
  body: unknown,
  previous: StoreSettings | undefined,
): SettingsDecision {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return { ok: false, problems: ['the body must be a store settings object'] };
  }
  const input = structuredClone(body) as Record<string, unknown>;
  const problems: string[] = [];
  if (input.storeId !== undefined && input.storeId !== storeId) {
    problems.push(`storeId: "${String(input.storeId)}" differs from the store in the path ("${storeId}")`);
  }
  input.storeId = storeId;
  input.schemaVersion ??= 1;

  // A ciphertext comes only from the stored settings, never from the body.
  if (isPlainObject(input.whatsapp)) {
    delete input.whatsapp.accessTokenSet; // as GET shows it
    delete input.whatsapp.accessTokenCiphertext;
    if (input.whatsapp.accessToken === undefined) {
      keepSecret(input.whatsapp, previous?.whatsapp, 'accessToken', 'accessTokenCiphertext');
    }
  }
  for (const platform of WEBHOOK_PLATFORMS) {
    const section = input[platform];
    if (section === undefined || section === null) delete input[platform];
    else if (isPlainObject(section)) {
      delete section.webhookSecretSet; // as GET shows it
      delete section.webhookSecretCiphertext;
      delete section.adminApiAccessTokenSet;
      delete section.adminApiAccessTokenCiphertext;
      if (section.webhookSecret === undefined) {
        keepSecret(section, previous?.[platform], 'webhookSecret', 'webhookSecretCiphertext');
      }
      if (section.adminApiAccessToken === undefined) {
        keepSecret(section, previous?.[platform], 'adminApiAccessToken', 'adminApiAccessTokenCiphertext');
      }
    }
  }

  const candidate = withDefaults(StoreSettingsSchema, input);
  for (const error of Value.Errors(StoreSettingsSchema, candidate)) {
    problems.push(`${error.path.slice(1).replace(/\//g, '.') || '(root)'}: ${error.message}`);
    if (problems.length >= 50) break;
  }
  if (problems.length) return { ok: false, problems: [...new Set(problems)] };

  // Fields the contract does not name are dropped, not stored: nothing unknown is published.
  const settings = Value.Clean(StoreSettingsSchema, candidate) as StoreSettings;
  if (!isValidTimeZone(settings.timezone)) problems.push(`timezone: "${settings.timezone}" is not an IANA time zone`);
  problems.push(...validateOpeningHours(settings.openingHours, settings.closedDates));
  if (!settings.whatsapp.accessToken && !settings.whatsapp.accessTokenCiphertext) {
    problems.push('whatsapp.accessToken: required (write-only; left out, the stored one is kept)');
  }
  for (const platform of WEBHOOK_PLATFORMS) {
    const section = settings[platform];
    if (section && !section.webhookSecret && !section.webhookSecretCiphertext) {
      problems.push(`${platform}.webhookSecret: required (write-only; left out, the stored one is kept)`);
    }
    const polled = section?.adminApiAccessToken || section?.adminApiAccessTokenCiphertext;
    if (section && polled && !section.shopDomain) {
      problems.push(`${platform}.shopDomain: required with an adminApiAccessToken (the shop the poll asks)`);
    }
  }
  if (
    settings.whatsapp.mode === 'template' &&
    !settings.whatsapp.templateLanguage &&
    !settings.whatsapp.templateLanguages
  ) {
    problems.push('whatsapp.templateLanguage: required when whatsapp.mode is "template" (or templateLanguages)');
  }
  try {
    problems.push(...templateProblems(settings));
  } catch (e) {
    problems.push(`messageTemplates: ${(e as Error).message}`);
  }
  problems.push(...variantProblems(settings));
  return problems.length ? { ok: false, problems } : { ok: true, settings };
}

/** The stored secret, sealed (or, in a row from before encryption, plaintext to be sealed). */
function keepSecret(
  section: Record<string, unknown>,
  stored: Record<string, unknown> | undefined,
  plaintext: string,
  ciphertext: string,
): void {
  if (stored?.[ciphertext] !== undefined) section[ciphertext] = stored[ciphertext];
  else if (stored?.[plaintext] !== undefined) section[plaintext] = stored[plaintext];
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * An A/B test's variants: distinct ids, each changing what the store's mode sends (text
 * templates in text mode, a template name in template mode), and each variant's text
 * templates rendering as the store's own must.
 */
function variantProblems(settings: StoreSettings): string[] {
  const variants = settings.experiments?.variants ?? [];
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const [i, v] of variants.entries()) {
    const field = `experiments.variants[${i}]`;
    if (seen.has(v.id)) problems.push(`${field}.id: "${v.id}" names another variant too`);
    seen.add(v.id);
    if (v.messageTemplates && settings.whatsapp.mode !== 'text') {
      problems.push(`${field}.messageTemplates: only in text mode (whatsapp.mode is "${settings.whatsapp.mode}")`);
    }
    if (v.templateName && settings.whatsapp.mode !== 'template') {
      problems.push(`${field}.templateName: only in template mode (whatsapp.mode is "${settings.whatsapp.mode}")`);
    }
    if (v.messageTemplates) {
      try {
        const own = templateProblems({ ...settings, messageTemplates: v.messageTemplates });
        problems.push(...own.filter((p) => p.startsWith('messageTemplates.')).map((p) => `${field}.${p}`));
      } catch (e) {
        problems.push(`${field}.messageTemplates: ${(e as Error).message}`);
      }
    }
  }
  return problems;
}
