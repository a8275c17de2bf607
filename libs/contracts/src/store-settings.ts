import { Static, Type } from '@sinclair/typebox';
import { Locale, SchemaVersion1, StoreId } from './primitives';

export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;

const HourMinute = Type.String({
  pattern: '^([01]\\d|2[0-3]):[0-5]\\d$|^24:00$',
  description: 'HH:mm, 24:00 only as an end',
});
const Interval = Type.Tuple([HourMinute, HourMinute]);
const DayHours = Type.Array(Interval, { maxItems: 24 });

export const OpeningHoursSchema = Type.Object(
  Object.fromEntries(WEEKDAYS.map((d) => [d, DayHours])) as Record<(typeof WEEKDAYS)[number], typeof DayHours>,
  { additionalProperties: false, $id: 'OpeningHours' },
);

/**
 * A secret at rest: `enc:v1:<keyId>:<iv>:<ciphertext>:<tag>`, AES-256-GCM sealed by ingest
 * (libs/secrets), bound to its store and field. Only the services holding the keyring open it.
 */
export const SEALED_SECRET_PATTERN = '^enc:v1:[A-Za-z0-9_-]{1,32}:[A-Za-z0-9_-]{16}:[A-Za-z0-9_-]*:[A-Za-z0-9_-]{22}$';
const SealedSecret = Type.String({ pattern: SEALED_SECRET_PATTERN, maxLength: 2048 });

export const WhatsAppSettingsSchema = Type.Object(
  {
    phoneNumberId: Type.String({ pattern: '^\\d{5,20}$' }),
    /**
     * Write-only, in the admin API only: ingest seals it into `accessTokenCiphertext` and never
     * publishes nor stores it. On the topic only in records published before encryption.
     */
    accessToken: Type.Optional(Type.String({ minLength: 10, maxLength: 1024 })),
    /** The access token as published and stored: sealed, never returned by an API nor logged. */
    accessTokenCiphertext: Type.Optional(SealedSecret),
    mode: Type.Union([Type.Literal('template'), Type.Literal('text')]),
    templateName: Type.Optional(Type.String({ pattern: '^[a-z0-9_]{1,512}$' })),
    templateLanguage: Type.Optional(Type.String({ pattern: '^[a-z]{2,3}(_[A-Z]{2})?$' })),
    /**
     * Every language the template is approved in (e.g. ["es", "en_US"]): each shopper gets the
     * one of their language, else the store's, else `templateLanguage`.
     */
    templateLanguages: Type.Optional(
      Type.Array(Type.String({ pattern: '^[a-z]{2,3}(_[A-Z]{2})?$' }), {
        minItems: 1,
        maxItems: 20,
        uniqueItems: true,
      }),
    ),
    /**
     * Messages per second Meta allows this phone number (80 by default; up to 1,000 once Meta
     * upgrades it). Every sender instance together keeps to it. Absent: the sender's
     * WHATSAPP_THROUGHPUT_BY_NUMBER for the number, else WHATSAPP_THROUGHPUT_PER_SECOND.
     */
    throughputPerSecond: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
    /** Meta routes MARKETING templates to /marketing_messages; it can re-categorise after approval. */
    templateCategory: Type.Optional(
      Type.Union([Type.Literal('marketing'), Type.Literal('utility'), Type.Literal('authentication')]),
    ),
    /** Handlebars expressions filling the approved template (see docs/message-templates.md). */
    templateParameters: Type.Optional(
      Type.Object({
        body: Type.Optional(Type.Array(Type.String({ maxLength: 1024 }), { maxItems: 20 })),
        buttonUrlSuffix: Type.Optional(Type.String({ maxLength: 1024 })),
      }),
    ),
  },
  { $id: 'WhatsAppSettings' },
);

/** Platforms whose webhooks ingest takes, each with a section `{ webhookSecret }` in the settings. */
export const WEBHOOK_PLATFORMS = ['shopify'] as const;
export type WebhookPlatform = (typeof WEBHOOK_PLATFORMS)[number];

export const PlatformWebhookSchema = Type.Object(
  {
    /**
     * Write-only, in the admin API only: the secret the platform signs its webhooks with (HMAC).
     * Ingest seals it into `webhookSecretCiphertext`; never returned, published nor logged.
     */
    webhookSecret: Type.Optional(Type.String({ minLength: 8, maxLength: 1024 })),
    /** The webhook secret as published and stored: sealed (only ingest opens it). */
    webhookSecretCiphertext: Type.Optional(SealedSecret),
    /** Shopify: the shop's `*.myshopify.com` domain, where the reconciliation poll asks its Admin API. */
    shopDomain: Type.Optional(Type.String({ pattern: '^[a-z0-9][a-z0-9-]{0,99}\\.myshopify\\.com$' })),
    /**
     * Write-only, in the admin API only: the Admin API access token the reconciliation poll
     * uses (Shopify: `read_orders`). Ingest seals it into `adminApiAccessTokenCiphertext`;
     * never returned, published nor logged.
     */
    adminApiAccessToken: Type.Optional(Type.String({ minLength: 8, maxLength: 1024 })),
    /** The Admin API access token as published and stored: sealed (only ingest opens it). */
    adminApiAccessTokenCiphertext: Type.Optional(SealedSecret),
  },
  { additionalProperties: false, $id: 'PlatformWebhook' },
);

/**
 * What the store measures its messages against (docs/scheduler.md "Holdout"): a share of its
 * shoppers, drawn by a keyed hash of store, phone and period, gets no message, so their carts
 * show what would have happened anyway.
 */
/**
 * One variant of an A/B test of the reminder (docs/reading-the-figures.md, "Comparing
 * variants"): what it changes from the store's own settings (its message, its delay), and its
 * share of the shoppers.
 */
export const MessageVariantSchema = Type.Object(
  {
    id: Type.String({ pattern: '^[a-z0-9][a-z0-9-]{0,31}$', description: 'Names the variant in the stats.' }),
    weight: Type.Integer({
      minimum: 1,
      maximum: 100,
      description: "The variant's share of the messaged shoppers, relative to the other variants' weights.",
    }),
    sendDelayMinutes: Type.Optional(
      Type.Integer({ minimum: 0, maximum: 90, description: "Replaces the store's sendDelayMinutes." }),
    ),
    messageTemplates: Type.Optional(
      Type.Record(Type.String({ pattern: '^[a-z]{2}$' }), Type.String({ minLength: 1, maxLength: 4096 }), {
        description: "Text mode: replaces the store's messageTemplates (per language).",
      }),
    ),
    templateName: Type.Optional(
      Type.String({
        pattern: '^[a-z0-9_]{1,512}$',
        description: "Template mode: an approved template sent instead of the store's templateName (same languages).",
      }),
    ),
  },
  { $id: 'MessageVariant', additionalProperties: false },
);
export type MessageVariant = Static<typeof MessageVariantSchema>;

export const ExperimentsSettingsSchema = Type.Object(
  {
    holdoutPercent: Type.Integer({
      minimum: 0,
      maximum: 50,
      default: 0,
      description: 'Percent of shoppers held out (no message) to measure the lift; 10 is recommended while measuring.',
    }),
    period: Type.Optional(
      Type.String({
        pattern: '^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$',
        description:
          'Names the experiment period (e.g. "2026-12"): a shopper stays in one arm for a period; a new period draws again.',
      }),
    ),
    variants: Type.Optional(
      Type.Array(MessageVariantSchema, {
        minItems: 2,
        maxItems: 3,
        description:
          'An A/B test of the reminder: each messaged shopper is drawn into one variant for the period (sticky, by weight); the stats compare them.',
      }),
    ),
  },
  { $id: 'ExperimentsSettings' },
);
export type ExperimentsSettings = Static<typeof ExperimentsSettingsSchema>;

/**
 * Click-tracked recovery links (docs/ingest.md, "Recovery links"): with `baseUrl`, a message's
 * cart link is `${baseUrl}/r/<token>` on ingest, which counts the click and redirects to the
 * store's recovery URL with UTM parameters. Without it the message keeps the store's own URL.
 */
export const LinksSettingsSchema = Type.Object(
  {
    baseUrl: Type.Optional(
      Type.String({
        format: 'https-url',
        pattern: '^https://[^/?#]+(/[^?#]*[^/?#])?$',
        maxLength: 200,
        description: "Public https URL ingest's /r/ route is served under, without a trailing slash or query",
      }),
    ),
    utmCampaign: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 100,
        description: 'utm_campaign of the redirect (default cart-recovery)',
      }),
    ),
    utmMedium: Type.Optional(
      Type.String({ minLength: 1, maxLength: 100, description: 'utm_medium of the redirect (default message)' }),
    ),
  },
  { $id: 'LinksSettings', additionalProperties: false },
);
export type LinksSettings = Static<typeof LinksSettingsSchema>;

/**
 * How long after a message an order counts for it (docs/reading-the-figures.md): within
 * `clickWindowHours` of the shopper's first counted click on its link (recovered after click),
 * else within `messageWindowHours` of its delivery (recovered after message, view-through).
 * The holdout's lift counts both arms within the same hours from the send decision.
 */
export const AttributionSettingsSchema = Type.Object(
  {
    clickWindowHours: Type.Integer({
      minimum: 1,
      maximum: 720,
      default: 120,
      description: "Hours after the first click on a message's link in which an order counts as recovered after click.",
    }),
    messageWindowHours: Type.Integer({
      minimum: 1,
      maximum: 168,
      default: 24,
      description: 'Hours after the message was delivered in which an order counts as recovered after message.',
    }),
  },
  { $id: 'AttributionSettings', additionalProperties: false },
);
export type AttributionSettings = Static<typeof AttributionSettingsSchema>;

/** The windows of a store that set none. */
export const ATTRIBUTION_DEFAULTS: AttributionSettings = { clickWindowHours: 120, messageWindowHours: 24 };

export const StoreSettingsSchema = Type.Object(
  {
    schemaVersion: Type.Optional(SchemaVersion1),
    storeId: StoreId,
    name: Type.String({ minLength: 1, maxLength: 200 }),
    enabled: Type.Boolean({ default: true }),
    timezone: Type.String({ minLength: 1, maxLength: 64, description: 'IANA time zone' }),
    defaultCountry: Type.String({ pattern: '^[A-Z]{2}$', description: 'ISO 3166-1 alpha-2 for national numbers' }),
    locale: Type.String({ pattern: '^(es|en)$' }),
    openingHours: OpeningHoursSchema,
    closedDates: Type.Array(Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$' }), { maxItems: 1000, default: [] }),
    abandonAfterMinutes: Type.Integer({ minimum: 1, maximum: 1440, default: 30 }),
    sendDelayMinutes: Type.Integer({ minimum: 0, maximum: 90, default: 60 }),
    maxDeferralHours: Type.Integer({ minimum: 1, maximum: 336, default: 72 }),
    minHoursBetweenMessages: Type.Integer({ minimum: 0, maximum: 720, default: 24 }),
    whatsapp: WhatsAppSettingsSchema,
    messageTemplates: Type.Optional(
      Type.Record(Type.String({ pattern: '^[a-z]{2}$' }), Type.String({ minLength: 1, maxLength: 4096 })),
    ),
    shopify: Type.Optional(PlatformWebhookSchema),
    experiments: Type.Optional(ExperimentsSettingsSchema),
    links: Type.Optional(LinksSettingsSchema),
    attribution: Type.Optional(AttributionSettingsSchema),
  },
  { $id: 'StoreSettings', title: 'Store settings v1' },
);

/**
 * The settings a shopper drawn into `variantId` is planned and messaged with: the store's, with
 * what the variant changes (delay, text templates, template name). An unknown or absent variant
 * (no A/B test, a held-out shopper, a variant removed since) gets the store's own.
 */
export function settingsForVariant<
  S extends Pick<StoreSettings, 'sendDelayMinutes' | 'messageTemplates' | 'experiments'> & {
    whatsapp: { templateName?: string };
  },
>(settings: S, variantId: string | null | undefined): S {
  const variant = variantId ? settings.experiments?.variants?.find((v) => v.id === variantId) : undefined;
  if (!variant) return settings;
  return {
    ...settings,
    sendDelayMinutes: variant.sendDelayMinutes ?? settings.sendDelayMinutes,
    messageTemplates: variant.messageTemplates ?? settings.messageTemplates,
    whatsapp: { ...settings.whatsapp, templateName: variant.templateName ?? settings.whatsapp.templateName },
  };
}

export type Weekday = (typeof WEEKDAYS)[number];
export type StoreSettings = Static<typeof StoreSettingsSchema>;
export type WhatsAppSettings = Static<typeof WhatsAppSettingsSchema>;

/** Settings as an API or a log may show them: each secret replaced by whether it is set. */
export type PublicStoreSettings = Omit<StoreSettings, 'whatsapp' | WebhookPlatform> & {
  whatsapp: Omit<WhatsAppSettings, 'accessToken'> & { accessTokenSet: boolean };
} & Partial<
    Record<WebhookPlatform, { webhookSecretSet: boolean; shopDomain?: string; adminApiAccessTokenSet?: boolean }>
  >;

export function withoutSecrets(settings: StoreSettings): PublicStoreSettings {
  const { accessToken, accessTokenCiphertext, ...whatsapp } = settings.whatsapp;
  const shown: Record<string, unknown> = {
    ...settings,
    whatsapp: { ...whatsapp, accessTokenSet: Boolean(accessToken || accessTokenCiphertext) },
  };
  for (const platform of WEBHOOK_PLATFORMS) {
    const section = settings[platform];
    if (section)
      shown[platform] = {
        webhookSecretSet: Boolean(section.webhookSecret || section.webhookSecretCiphertext),
        ...(section.shopDomain !== undefined ? { shopDomain: section.shopDomain } : {}),
        ...(section.adminApiAccessToken || section.adminApiAccessTokenCiphertext
          ? { adminApiAccessTokenSet: true }
          : {}),
      };
  }
  return shown as PublicStoreSettings;
}

/**
 * The settings without any secret, sealed or not, in the contract's shape: the copy a service
 * that uses no secret keeps (the scheduler).
 */
export function withoutAnySecret(settings: StoreSettings): StoreSettings {
  const { accessToken: _token, accessTokenCiphertext: _sealed, ...whatsapp } = settings.whatsapp;
  const kept: Record<string, unknown> = { ...settings, whatsapp };
  for (const platform of WEBHOOK_PLATFORMS) if (settings[platform]) kept[platform] = {};
  return kept as StoreSettings;
}

/**
 * The settings without their plaintext secrets (records published before encryption carry
 * them): what a service holding sealed secrets may store.
 */
export function withoutPlaintextSecrets(settings: StoreSettings): StoreSettings {
  const { accessToken: _token, ...whatsapp } = settings.whatsapp;
  const kept: Record<string, unknown> = { ...settings, whatsapp };
  for (const platform of WEBHOOK_PLATFORMS) {
    const section = settings[platform];
    if (section) {
      const { webhookSecret: _secret, adminApiAccessToken: _adminToken, ...rest } = section;
      kept[platform] = rest;
    }
  }
  return kept as StoreSettings;
}

/** Whether the settings carry a secret in plaintext (a record from before encryption). */
export function hasPlaintextSecret(settings: StoreSettings): boolean {
  return (
    settings.whatsapp.accessToken !== undefined ||
    WEBHOOK_PLATFORMS.some(
      (platform) =>
        settings[platform]?.webhookSecret !== undefined || settings[platform]?.adminApiAccessToken !== undefined,
    )
  );
}

export const STORE_SETTINGS_DEFAULTS = {
  enabled: true,
  closedDates: [] as string[],
  abandonAfterMinutes: 30,
  sendDelayMinutes: 60,
  maxDeferralHours: 72,
  minHoursBetweenMessages: 24,
} as const;

export { Locale };
