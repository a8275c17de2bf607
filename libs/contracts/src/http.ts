// The shapes of the services' HTTP answers (and of the admin API's request body), as TypeBox
// schemas: the code's types are derived from them and the OpenAPI documents (docs/api/) show
// them as JSON Schema, so no answer is typed twice.
import { ObjectOptions, Static, TObject, TProperties, Type } from '@sinclair/typebox';
import { REJECT_REASON_CODES } from './decode';
import { Money, StoreId, Timestamp } from './primitives';
import {
  PlatformWebhookSchema,
  STORE_SETTINGS_DEFAULTS,
  StoreSettingsSchema,
  WEBHOOK_PLATFORMS,
  WhatsAppSettingsSchema,
} from './store-settings';

export const RejectReasonSchema = Type.Union(
  REJECT_REASON_CODES.map((r) => Type.Literal(r)),
  { description: 'Why an event was refused (the same codes as the dead letters’ `dlq-reason`).' },
);

export const PHONE_PROBLEMS = ['unparseable', 'invalid-number'] as const;
/** Why a phone could not be made E.164: counted, never a reason to drop the cart. */
export type PhoneProblem = (typeof PHONE_PROBLEMS)[number];

const Index = Type.Integer({ minimum: 0, description: "The event's position in the request (0 for a lone event)." });
const AnsweredEventId = Type.Optional(
  Type.String({ maxLength: 200, description: "The event's eventId, if it had one." }),
);

/** The answer for one event of a `POST /v1/cart-events`. */
export const EventAnswerSchema = Type.Union([
  Type.Object(
    {
      index: Index,
      eventId: AnsweredEventId,
      status: Type.Literal('accepted'),
      key: Type.String({ description: 'The `cart-events` record key, `storeId:cartId`.' }),
      phoneProblem: Type.Optional(
        Type.Union(
          PHONE_PROBLEMS.map((p) => Type.Literal(p)),
          { description: 'The phone could not be made E.164: the cart is kept, but it gets no message.' },
        ),
      ),
    },
    { additionalProperties: false },
  ),
  Type.Object(
    {
      index: Index,
      eventId: AnsweredEventId,
      status: Type.Literal('rejected'),
      reason: RejectReasonSchema,
      error: Type.String({ description: 'What is wrong, for a human.' }),
    },
    { additionalProperties: false },
  ),
]);
export type EventAnswer = Static<typeof EventAnswerSchema>;

export const CartEventsAnswerSchema = Type.Object(
  {
    accepted: Type.Integer({ minimum: 0 }),
    rejected: Type.Integer({ minimum: 0 }),
    /** One per event, in the request's order. */
    results: Type.Array(EventAnswerSchema),
  },
  { $id: 'CartEventsAnswer', additionalProperties: false },
);
export type CartEventsAnswer = Static<typeof CartEventsAnswerSchema>;

/** What a platform webhook delivery got: kept on `cart-events-raw`, or not a cart event. */
export const PlatformWebhookAnswerSchema = Type.Union(
  [
    Type.Object({ status: Type.Literal('received') }, { additionalProperties: false }),
    Type.Object(
      { status: Type.Literal('ignored'), reason: Type.String({ description: 'Why the topic carries no cart event.' }) },
      { additionalProperties: false },
    ),
  ],
  { $id: 'PlatformWebhookAnswer' },
);
export type PlatformWebhookAnswer = Static<typeof PlatformWebhookAnswerSchema>;

const DEFAULTED = Object.keys(STORE_SETTINGS_DEFAULTS) as Array<keyof typeof STORE_SETTINGS_DEFAULTS>;

const isSealedTwin = (name: string, section: TObject): boolean =>
  name.endsWith('Ciphertext') && name.slice(0, -'Ciphertext'.length) in section.properties;

/**
 * A settings section as the admin API takes it: a secret in plaintext only (its sealed
 * `<name>Ciphertext` twin comes from the stored settings, never from a body), and the
 * `<name>Set` flags GET shows accepted and ignored, so a GET-edit-PUT round trip is valid.
 */
function writtenSection(section: TObject, options: ObjectOptions): TObject {
  const properties: TProperties = {};
  for (const [name, schema] of Object.entries(section.properties)) {
    if (isSealedTwin(name, section)) continue;
    properties[name] = schema;
    if (`${name}Ciphertext` in section.properties) {
      properties[`${name}Set`] = Type.Optional(Type.Boolean({ description: 'Ignored (as GET shows it).' }));
    }
  }
  return Type.Object(properties, options);
}

/**
 * The body of `PUT /v1/stores/{storeId}`: the store settings, with the store taken from the
 * path and the defaulted fields optional. Secrets are write-only: one left out keeps the stored
 * value.
 */
export const StoreSettingsInputSchema = Type.Composite(
  [
    Type.Omit(StoreSettingsSchema, ['storeId', 'schemaVersion', 'whatsapp', ...WEBHOOK_PLATFORMS, ...DEFAULTED]),
    Type.Partial(Type.Pick(StoreSettingsSchema, ['storeId', 'schemaVersion', ...DEFAULTED])),
    Type.Object({
      whatsapp: writtenSection(WhatsAppSettingsSchema, {}),
      ...Object.fromEntries(
        WEBHOOK_PLATFORMS.map((p) => [
          p,
          Type.Optional(writtenSection(PlatformWebhookSchema, { additionalProperties: false })),
        ]),
      ),
    }),
  ],
  { $id: 'StoreSettingsInput', title: 'Store settings (as written)' },
);

/**
 * A settings section as an API shows it: a secret is a field with a sealed `<name>Ciphertext`
 * sibling; neither is shown, only `<name>Set` (whether one is stored, sealed or not).
 */
function shownSection(section: TObject, options: ObjectOptions): TObject {
  const properties: TProperties = {};
  for (const [name, schema] of Object.entries(section.properties)) {
    if (isSealedTwin(name, section)) continue;
    if (`${name}Ciphertext` in section.properties) {
      properties[`${name}Set`] = Type.Optional(
        Type.Boolean({ description: `Whether ${name} is stored (never shown, sealed or not).` }),
      );
    } else properties[name] = schema;
  }
  return Type.Object(properties, options);
}

/** Store settings as an API shows them (withoutSecrets): each secret replaced by whether it is set. */
export const PublicStoreSettingsSchema = Type.Composite(
  [
    Type.Omit(StoreSettingsSchema, ['whatsapp', ...WEBHOOK_PLATFORMS]),
    Type.Object({
      whatsapp: shownSection(WhatsAppSettingsSchema, {}),
      ...Object.fromEntries(
        WEBHOOK_PLATFORMS.map((p) => [
          p,
          Type.Optional(shownSection(PlatformWebhookSchema, { additionalProperties: false })),
        ]),
      ),
    }),
  ],
  { $id: 'PublicStoreSettings', title: 'Store settings (as shown)' },
);

const previewBase = {
  storeId: StoreId,
  enabled: Type.Boolean(),
  timezone: Type.String(),
  detectedAt: Timestamp,
  desiredAt: Type.String({
    format: 'date-time',
    description: 'detectedAt + sendDelayMinutes: when the message would leave if the store were open.',
  }),
  notAfter: Type.String({
    format: 'date-time',
    description: 'The latest a message may leave (detectedAt + maxDeferralHours).',
  }),
  scheduleAtDetection: Type.String({
    description: 'The store’s schedule in words at detection: "open now until 20:00 Europe/Madrid".',
  }),
};

/** `GET /v1/stores/{storeId}/send-preview`: when a cart detected at `detectedAt` would get its message. */
export const SendPreviewSchema = Type.Union(
  [
    Type.Object(
      {
        ...previewBase,
        outcome: Type.Literal('send'),
        sendAt: Timestamp,
        sendAtLocal: Type.String({ description: "sendAt on the store's wall clock, with its offset." }),
        openUntil: Type.Union([Timestamp, Type.Null()], {
          description: 'When the opening that sendAt falls in closes; null when the store never closes within 8 days.',
        }),
      },
      { additionalProperties: false },
    ),
    Type.Object(
      {
        ...previewBase,
        outcome: Type.Literal('expire', { description: 'No open instant before notAfter: the message would expire.' }),
      },
      { additionalProperties: false },
    ),
  ],
  { $id: 'SendPreview' },
);
export type SendPreview = Static<typeof SendPreviewSchema>;

const Count = (description?: string) => Type.Integer({ minimum: 0, ...(description ? { description } : {}) });

const Rate = (description: string) => Type.Number({ minimum: 0, maximum: 1, description });

const HoldoutArmSchema = Type.Object(
  {
    carts: Count('Abandonments of the window that reached the send decision in this arm.'),
    converted: Count('Of those, the carts converted after detection (each cart once, for its latest episode).'),
    conversionRate: Rate('converted / carts (0 without carts).'),
  },
  { additionalProperties: false },
);

const IntervalSchema = (description: string) =>
  Type.Union([Type.Object({ low: Type.Number(), high: Type.Number() }, { additionalProperties: false }), Type.Null()], {
    description,
  });

const RevenueByCurrency = (description: string) => Type.Record(Type.String(), Money, { description });

/** A difference of money: a decimal string that may be negative. */
const SignedMoney = Type.String({ pattern: '^-?(0|[1-9]\\d{0,14})(\\.\\d{1,4})?$' });

const WindowArmSchema = Type.Object(
  {
    carts: Count('Carts of the arm (drawn at their send decision in the window).'),
    converted: Count('Of those, the carts whose order came within the window after the send decision.'),
    conversionRate: Rate('converted / carts (0 without carts).'),
    revenue: RevenueByCurrency("Sum of those orders' totals, per currency."),
  },
  { additionalProperties: false },
);

/**
 * One attribution window's comparison of the holdout's arms (docs/reading-the-figures.md):
 * both arms counted within the same hours after the send decision (when the message went or
 * would have gone), the lift, what the messages added, and whether the sample can tell yet.
 */
export const WindowComparisonSchema = Type.Object(
  {
    hours: Type.Integer({ minimum: 1, description: 'The window: hours after the send decision.' }),
    treated: WindowArmSchema,
    heldOut: WindowArmSchema,
    lift: Type.Object(
      {
        absolute: Type.Union([Type.Number(), Type.Null()], {
          description: 'treated.conversionRate − heldOut.conversionRate; null while an arm has no carts.',
        }),
        absoluteInterval: IntervalSchema("95% interval of the absolute lift (Newcombe's hybrid score interval)."),
        relative: Type.Union([Type.Number(), Type.Null()], {
          description: 'absolute / heldOut.conversionRate; null while no held-out cart converted.',
        }),
        relativeInterval: IntervalSchema("95% interval of the relative lift (Katz's log interval, minus 1)."),
        confidence: Type.Literal(0.95),
        method: Type.Literal('newcombe-wilson'),
      },
      { additionalProperties: false },
    ),
    incremental: Type.Object(
      {
        orders: Type.Union([Type.Number(), Type.Null()], {
          description:
            'Orders the messages added: (treated rate − held-out rate) × treated carts; null while an arm has no carts.',
        }),
        ordersInterval: IntervalSchema("The absolute lift's 95% interval × treated carts."),
        revenue: Type.Record(Type.String(), SignedMoney, {
          description:
            'Revenue the messages added, per currency: (treated revenue / treated carts − held-out revenue / held-out carts) × treated carts, rounded to the digits the totals carry.',
        }),
        method: Type.Literal('difference-in-rates-times-treated-carts'),
      },
      { additionalProperties: false },
    ),
    tooSmall: Type.Boolean({
      description:
        'True while either arm has fewer than 100 carts or fewer than 10 conversions in the window: too few to conclude, whatever the interval says.',
    }),
    stillNeeded: Type.Object(
      {
        treatedCarts: Count('Carts the treated arm still lacks to reach 100.'),
        heldOutCarts: Count('Carts the held-out arm still lacks to reach 100.'),
        treatedConversions: Count('Conversions the treated arm still lacks to reach 10.'),
        heldOutConversions: Count('Conversions the held-out arm still lacks to reach 10.'),
      },
      { additionalProperties: false, description: 'All 0 once tooSmall is false.' },
    ),
  },
  { $id: 'WindowComparison', additionalProperties: false },
);
export type WindowComparison = Static<typeof WindowComparisonSchema>;

const AttributedKindSchema = (description: string) =>
  Type.Object(
    { orders: Count(description), revenue: RevenueByCurrency("Sum of those orders' totals, per currency.") },
    { additionalProperties: false },
  );

/**
 * The orders after a message, by how the store's attribution windows count them
 * (docs/reading-the-figures.md). Together they are exactly `recovered`.
 */
export const AttributionStatsSchema = Type.Object(
  {
    clickWindowHours: Type.Integer({ minimum: 1, description: "The store's click window, in hours." }),
    messageWindowHours: Type.Integer({ minimum: 1, description: "The store's message window, in hours." }),
    recoveredAfterClick: AttributedKindSchema(
      'Orders within clickWindowHours after the first counted click on the latest message before the order.',
    ),
    recoveredAfterMessage: AttributedKindSchema(
      'Orders within messageWindowHours after that message was delivered, not attributed to a click (view-through).',
    ),
    notAttributed: AttributedKindSchema('Orders after a message but outside both windows.'),
  },
  { $id: 'AttributionStats', additionalProperties: false },
);
export type AttributionStats = Static<typeof AttributionStatsSchema>;

/**
 * The holdout's comparison (docs/scheduler.md "Holdout"): the carts of shoppers who got the
 * message (treated) against those held out of it, both counted at the moment the message went
 * or would have gone, and the lift the message made.
 */
export const HoldoutStatsSchema = Type.Object(
  {
    treated: HoldoutArmSchema,
    heldOut: HoldoutArmSchema,
    lift: Type.Object(
      {
        absolute: Type.Union([Type.Number(), Type.Null()], {
          description: 'treated.conversionRate − heldOut.conversionRate; null while an arm has no carts.',
        }),
        absoluteInterval: IntervalSchema(
          "95% interval of the absolute lift: Newcombe's hybrid score interval (Wilson) for a difference of proportions; null while an arm has no carts.",
        ),
        relative: Type.Union([Type.Number(), Type.Null()], {
          description:
            'absolute / heldOut.conversionRate (0.25: 25% more conversions); null while no held-out cart converted.',
        }),
        relativeInterval: IntervalSchema(
          "95% interval of the relative lift: Katz's log interval for the ratio of the two rates, minus 1; null while an arm has no conversion.",
        ),
        confidence: Type.Literal(0.95),
        method: Type.Literal('newcombe-wilson', { description: 'How absoluteInterval is computed.' }),
      },
      { additionalProperties: false },
    ),
    withinWindows: Type.Optional(
      Type.Object(
        { click: WindowComparisonSchema, message: WindowComparisonSchema },
        {
          additionalProperties: false,
          description:
            'The same arms counted within each attribution window after the send decision: click (clickWindowHours) and message (messageWindowHours). Above, converted counts an order any time after detection.',
        },
      ),
    ),
  },
  {
    $id: 'HoldoutStats',
    additionalProperties: false,
    description: 'Present in the stats when carts of the window were drawn into an arm (the store ran a holdout).',
  },
);
export type HoldoutStats = Static<typeof HoldoutStatsSchema>;

/** One A/B variant's figures over the window (experiments.variants; docs/reading-the-figures.md). */
export const VariantStatsSchema = Type.Object(
  {
    variant: Type.String(),
    carts: Count('Messages emitted in the variant (its shoppers reached the send decision and were not held out).'),
    sent: Count(),
    delivered: Count(),
    read: Count(),
    clicked: Count(),
    converted: Count('Carts converted after detection (each cart once, for its latest episode in a variant).'),
    revenue: Type.Record(Type.String(), Money, { description: "The converted carts' order totals per currency." }),
    conversionRate: Type.Number({ minimum: 0, maximum: 1, description: 'converted / carts (0 when no carts).' }),
    conversionInterval: IntervalSchema('95% Wilson score interval of the conversion rate; null while it has no carts.'),
  },
  { additionalProperties: false },
);

/** The A/B test over the window: each variant, and a winner only when the stated rule holds. */
export const VariantComparisonSchema = Type.Object(
  {
    variants: Type.Array(VariantStatsSchema),
    winner: Type.Union([Type.String(), Type.Null()], {
      description:
        'The variant whose conversion rate beats every other by the rule; null while too small or while no difference is significant.',
    }),
    why: Type.Union([
      Type.Literal('significant'),
      Type.Literal('too-small'),
      Type.Literal('no-significant-difference'),
    ]),
    rule: Type.Object(
      {
        test: Type.Literal('two-proportion-z', { description: 'Pooled two-proportion z-test, two-sided.' }),
        confidence: Type.Literal(0.95),
        minCartsPerVariant: Type.Literal(500),
        correction: Type.Literal('bonferroni', {
          description: 'Each comparison at (1 − confidence) / (variants − 1).',
        }),
      },
      { additionalProperties: false },
    ),
    tooSmall: Type.Boolean({
      description: 'Some variant has fewer than minCartsPerVariant carts (or only one variant ran).',
    }),
    stillNeeded: Type.Record(Type.String(), Count(), {
      description: 'Carts each variant still lacks to reach the minimum.',
    }),
  },
  { additionalProperties: false },
);
export type VariantComparison = Static<typeof VariantComparisonSchema>;

/** What the window's messages cost, in messages (Meta's `pricing` from the status webhooks). */
export const CostStatsSchema = Type.Object(
  {
    billableMessages: Count("Messages Meta priced billable (its status webhooks' pricing.billable)."),
    billableByCategory: Type.Record(Type.String(), Count(), {
      description:
        "The billable messages by Meta's pricing category (marketing, utility…; unknown when Meta named none).",
    }),
    messagesPerRecoveredOrder: Type.Union([Type.Number({ minimum: 0 }), Type.Null()], {
      description:
        'sent / recovered (orders after a message, any time), to 2 decimals; null while nothing was recovered.',
    }),
    billableMessagesPerRecoveredOrder: Type.Union([Type.Number({ minimum: 0 }), Type.Null()], {
      description: 'billableMessages / recovered, to 2 decimals; null while nothing was recovered.',
    }),
  },
  {
    description:
      "Money is left out: Meta's price per message depends on the market, the category and the volume tier, which the merchant's rate card has.",
  },
);

/**
 * `GET /v1/stores/{storeId}/stats`: what became of the carts abandoned in a window (by
 * `detectedAt` in [from, to)). Definitions in docs/scheduler.md (stats).
 */
export const StoreStatsSchema = Type.Object(
  {
    storeId: StoreId,
    from: Timestamp,
    to: Timestamp,
    abandoned: Count('Carts that counted as abandoned (detected in the window, detection time passed).'),
    scheduled: Count('Abandonments given a send time by planSend.'),
    pending: Count('Scheduled and still waiting for their send time.'),
    cancelled: Count('Converted or emptied after detection, before any message.'),
    emitted: Count('send-due emitted to the sender.'),
    sent: Count(),
    delivered: Count(),
    read: Count(),
    clicked: Count(
      'Messages whose link the shopper followed at least once (stores with links.baseUrl; link previews and bots not counted).',
    ),
    failed: Count(),
    deferred: Count('Deferred by the sender to the next opening, not yet settled.'),
    skipped: Type.Object({ total: Count(), byReason: Type.Record(Type.String(), Count()) }),
    expired: Count(),
    paced: Count(
      'Messages Meta held back for a paced template (held_for_quality_assessment or paused in its answer), at any point: never sent again by the sender; Meta releases them (sent, delivered) or drops them (failed).',
    ),
    releasedAfterClosing: Count(
      'Paced messages Meta released while the store was closed: they reached the shopper outside opening hours.',
    ),
    limitedByMeta: Count(
      "Failed with 131049, Meta's per-user marketing limit (counted among failed too); the shopper is sent nothing else for 24 h.",
    ),
    recovered: Count(
      'Orders after a message, any time: carts converted after a message went out, however long after (each cart once, for the latest message before the order). attribution splits them by window.',
    ),
    recoveredRevenue: Type.Record(Type.String(), Money, {
      description:
        "Sum of the recovered orders' totals (orders after a message, any time), per currency, as decimal strings.",
    }),
    recoveryRate: Type.Number({ minimum: 0, description: 'recovered / abandoned.' }),
    recoveryRateOfSent: Type.Number({ minimum: 0, description: 'recovered / sent.' }),
    /** Present when carts of the window were drawn into an arm (the store ran a holdout). */
    holdout: Type.Optional(HoldoutStatsSchema),
    attribution: Type.Optional(AttributionStatsSchema),
    cost: Type.Optional(CostStatsSchema),
    variants: Type.Optional(VariantComparisonSchema),
  },
  { $id: 'StoreStats', additionalProperties: false },
);
export type StoreStats = Static<typeof StoreStatsSchema>;

/** Nest's error answer (every 4xx/5xx thrown as an HttpException). */
export const HttpErrorSchema = Type.Object(
  {
    statusCode: Type.Integer({ minimum: 400, maximum: 599 }),
    error: Type.Optional(Type.String({ description: 'The status text (e.g. "Bad Request").' })),
    message: Type.Union([Type.String(), Type.Array(Type.String())], { description: 'What went wrong.' }),
  },
  { $id: 'HttpError' },
);
export type HttpError = Static<typeof HttpErrorSchema>;

/** 422 of `PUT /v1/stores/{storeId}`: every problem of the settings at once. */
export const StoreSettingsRefusalSchema = Type.Object(
  {
    statusCode: Type.Literal(422),
    error: Type.Literal('Unprocessable Entity'),
    message: Type.Literal('invalid store settings'),
    problems: Type.Array(Type.String(), { minItems: 1, description: '`path: problem`, one per problem.' }),
  },
  { $id: 'StoreSettingsRefusal' },
);
export type StoreSettingsRefusal = Static<typeof StoreSettingsRefusalSchema>;

/** The sender's answer to a WhatsApp notification it took. */
export const WhatsAppWebhookAckSchema = Type.Object({ ok: Type.Literal(true) }, { $id: 'WhatsAppWebhookAck' });
/** The sender's refusal of a WhatsApp webhook call (bad signature, failed verification). */
export const WhatsAppWebhookRefusalSchema = Type.Object(
  { error: Type.String({ examples: ['invalid signature', 'verification failed'] }) },
  { $id: 'WhatsAppWebhookRefusal' },
);

/**
 * What a merchant may change from ingest's console (the rest stays the platform's, through the
 * admin API): each field as the store settings have it; one left out is unchanged.
 */
export const ConsoleChangesSchema = Type.Composite(
  [
    Type.Partial(Type.Pick(StoreSettingsSchema, ['timezone', 'openingHours', 'closedDates', 'messageTemplates'])),
    Type.Partial(Type.Pick(WhatsAppSettingsSchema, ['templateParameters'])),
  ],
  { $id: 'ConsoleChanges', additionalProperties: false },
);

/** `POST /v1/stores/{storeId}/console-tokens`: a console token for one store. */
export const ConsoleTokenSchema = Type.Object(
  {
    token: Type.String({ description: 'An HS256 compact token for this store (CONSOLE_SIGNING_KEYS).' }),
    expiresAt: Timestamp,
    consolePath: Type.String({
      description: 'The console with the token in the fragment (never sent to a server, never in a Referer).',
    }),
  },
  { $id: 'ConsoleToken' },
);

/** One sample cart's message, as the sender would render it under the (unsaved) changes. */
export const MessageSampleSchema = Type.Object({
  sample: Type.String({ description: 'Which sample cart.' }),
  locale: Type.String({ description: "The message's language, as the sender chooses it." }),
  text: Type.String(),
  template: Type.Union([Type.Literal('store'), Type.Literal('default')], {
    description: "Whose template was drawn: the store's own or the shipped default.",
  }),
  fallbackReason: Type.Optional(Type.String()),
  templateParameters: Type.Optional(
    Type.Object(
      {
        templateName: Type.String(),
        languageCode: Type.String(),
        bodyParameters: Type.Array(Type.String()),
        buttonUrlSuffix: Type.Optional(Type.String()),
      },
      { description: 'Template mode: what the approved template is sent with.' },
    ),
  ),
  problem: Type.Optional(Type.String({ description: 'Template mode: why these parameters cannot be filled.' })),
});

export const MessagePreviewSchema = Type.Object(
  {
    mode: Type.Union([Type.Literal('template'), Type.Literal('text')]),
    samples: Type.Array(MessageSampleSchema),
  },
  { $id: 'MessagePreview' },
);
