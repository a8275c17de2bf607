import { Value } from '@sinclair/typebox/value';
import { STORE_ID_PATTERN, StoreSettings, StoreSettingsSchema, withDefaults, withoutSecrets } from '@lib/contracts';
import type { PublicStoreSettings } from '@lib/contracts';
import { isValidTimeZone, validateOpeningHours } from '@lib/business-hours';
import { templateProblems } from '@lib/message-templates';

/**
 * Platform sections ingest reads beside the contract's fields, each with a write-only
 * webhook secret (`shopify: { webhookSecret }`): the secret webhooks are signed with.
 */
export const PLATFORM_SECTIONS = ['shopify'] as const;
const MIN_SECRET_LENGTH = 8;

/** Settings as stored and published: the contract's fields plus the platform sections. */
export type StoredStoreSettings = StoreSettings &
  Partial<Record<(typeof PLATFORM_SECTIONS)[number], { webhookSecret: string }>>;

/** What `GET` shows: every secret replaced by whether it is set. */
export type ShownStoreSettings = PublicStoreSettings &
  Partial<Record<(typeof PLATFORM_SECTIONS)[number], { webhookSecretSet: boolean }>>;

export type SettingsDecision = { ok: true; settings: StoredStoreSettings } | { ok: false; problems: string[] };

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
  previous: StoredStoreSettings | undefined,
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
  for (const platform of PLATFORM_SECTIONS) {
    const section = input[platform];
    if (section === undefined || section === null) {
      delete input[platform];
      continue;
    }
    if (!isPlainObject(section)) {
      problems.push(`${platform}: must be an object like { "webhookSecret": "…" }`);
      continue;
    }
    delete section.webhookSecretSet;
    section.webhookSecret ??= previous?.[platform]?.webhookSecret;
    if (typeof section.webhookSecret !== 'string' || section.webhookSecret.length < MIN_SECRET_LENGTH) {
      problems.push(`${platform}.webhookSecret: required, a string of at least ${MIN_SECRET_LENGTH} characters`);
    }
    const unknown = Object.keys(section).filter((k) => k !== 'webhookSecret');
    if (unknown.length) problems.push(`${platform}: unknown field(s) ${unknown.join(', ')}`);
  }

  const candidate = withDefaults(StoreSettingsSchema, input);
  for (const error of Value.Errors(StoreSettingsSchema, candidate)) {
    problems.push(`${error.path.slice(1).replace(/\//g, '.') || '(root)'}: ${error.message}`);
    if (problems.length >= 50) break;
  }
  if (problems.length) return { ok: false, problems: [...new Set(problems)] };

  // Fields the contract does not name are dropped, not stored: nothing unknown is published.
  const settings = Value.Clean(StoreSettingsSchema, candidate) as StoredStoreSettings;
  for (const platform of PLATFORM_SECTIONS) {
    const section = input[platform] as { webhookSecret: string } | undefined;
    if (section) settings[platform] = { webhookSecret: section.webhookSecret };
  }
  if (!isValidTimeZone(settings.timezone)) problems.push(`timezone: "${settings.timezone}" is not an IANA time zone`);
  problems.push(...validateOpeningHours(settings.openingHours, settings.closedDates));
  if (!settings.whatsapp.accessToken) {
    problems.push('whatsapp.accessToken: required (write-only; left out, the stored one is kept)');
  }
  if (settings.whatsapp.mode === 'template' && !settings.whatsapp.templateLanguage) {
    problems.push('whatsapp.templateLanguage: required when whatsapp.mode is "template"');
  }
  try {
    problems.push(...templateProblems(settings));
  } catch (e) {
    problems.push(`messageTemplates: ${(e as Error).message}`);
  }
  return problems.length ? { ok: false, problems } : { ok: true, settings };
}

/** Settings as `GET` answers them: no secret, only whether each is set. */
export function shownStoreSettings(settings: StoredStoreSettings): ShownStoreSettings {
  const shown: Record<string, unknown> = { ...withoutSecrets(settings) };
  for (const platform of PLATFORM_SECTIONS) {
    const section = settings[platform];
    if (section) shown[platform] = { webhookSecretSet: Boolean(section.webhookSecret) };
  }
  return shown as ShownStoreSettings;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
