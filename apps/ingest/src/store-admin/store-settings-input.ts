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
 * value, so a GET-edit-PUT round trip never erases a token it could not see. Every problem
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

  if (isPlainObject(input.whatsapp)) {
    delete input.whatsapp.accessTokenSet; // as GET shows it
    input.whatsapp.accessToken ??= previous?.whatsapp.accessToken;
    if (input.whatsapp.accessToken === undefined) delete input.whatsapp.accessToken;
  }
  for (const platform of WEBHOOK_PLATFORMS) {
    const section = input[platform];
    if (section === undefined || section === null) delete input[platform];
    else if (isPlainObject(section)) {
      delete section.webhookSecretSet; // as GET shows it
      section.webhookSecret ??= previous?.[platform]?.webhookSecret;
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
  if (!settings.whatsapp.accessToken) {
    problems.push('whatsapp.accessToken: required (write-only; left out, the stored one is kept)');
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
  return problems.length ? { ok: false, problems } : { ok: true, settings };
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
