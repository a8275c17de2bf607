/**
 * What the sender asks WhatsApp to deliver, and its exact Graph API wire format
 * (POST /{version}/{phone-number-id}/messages or …/marketing_messages). Pure: no I/O.
 */

/** A free-form text: only valid inside the 24-hour customer-service window (sandboxes, replies). */
export interface TextMessage {
  type: 'text';
  body: string;
  /** Show a preview of the first link (the recovery URL). Default true. */
  previewUrl?: boolean;
}

/** An approved message template, the only way to start a conversation (cart reminders). */
export interface TemplateMessage {
  type: 'template';
  name: string;
  /** The approved translation's code, e.g. `es`, `en_US`. */
  languageCode: string;
  /** Values of {{1}}, {{2}}… of the template body, in order. Single line each (Meta refuses new lines). */
  bodyParameters: string[];
  /** The dynamic suffix of the template's URL button (button index 0 unless `urlButtonIndex`). */
  urlButtonParameter?: string;
  urlButtonIndex?: number;
  /**
   * The template's current category as configured for it. MARKETING templates go to
   * `/marketing_messages`, the others to `/messages` (Meta can re-categorise a template, so
   * this comes from configuration, never from a guess).
   */
  category?: 'MARKETING' | 'UTILITY' | 'AUTHENTICATION';
  /**
   * A MARKETING template sent through `/messages` all the same: the business has not accepted
   * the Marketing Messages API terms (131055) and the sender is configured to fall back.
   */
  fallbackToMessages?: boolean;
}

export type OutgoingMessage = TextMessage | TemplateMessage;

export type SendEndpoint = 'messages' | 'marketing_messages';

export function endpointFor(message: OutgoingMessage): SendEndpoint {
  return message.type === 'template' && message.category === 'MARKETING' && !message.fallbackToMessages
    ? 'marketing_messages'
    : 'messages';
}

/**
 * What a send on `/marketing_messages` adds to the body. Meta's request schema of that route
 * (`MarketingMessageRequestPayload`, closed) lists only `messaging_product`, `recipient_type`,
 * `to`, `type`, `template`, `product_policy`, `message_activity_sharing`. The time-to-live is
 * not among them: Meta takes `message_send_ttl_seconds` on the template itself
 * (POST /<WABA_ID>/message_templates), a setup step of each store: see docs/sender-delivery.md.
 */
export interface MarketingSendOptions {
  /** STRICT: never delivered through the Cloud API instead (where a marketing template lives 30 days). */
  productPolicy?: 'STRICT' | 'CLOUD_API_FALLBACK';
}

/** The URL path of a send, below the configured base URL's own path. */
export function sendPath(basePath: string, graphApiVersion: string, phoneNumberId: string, message: OutgoingMessage) {
  const prefix = basePath.replace(/\/+$/, '');
  return `${prefix}/${encodeURIComponent(graphApiVersion)}/${encodeURIComponent(phoneNumberId)}/${endpointFor(message)}`;
}

/** Digits only, as the Cloud API's `to` expects (E.164 without the plus works everywhere). */
export function graphRecipient(phone: string): string {
  return phone.replace(/\D/g, '');
}

/**
 * The request body. `/marketing_messages` takes no `biz_opaque_callback_data` (Meta's schema
 * of that route is closed and does not list it): a send there is settled by its message id.
 */
export function graphMessageBody(
  to: string,
  message: OutgoingMessage,
  bizOpaqueCallbackData: string,
  marketing: MarketingSendOptions = {},
): object {
  const common = { messaging_product: 'whatsapp', recipient_type: 'individual', to: graphRecipient(to) };
  if (message.type === 'text') {
    return {
      ...common,
      type: 'text',
      text: { preview_url: message.previewUrl ?? true, body: message.body },
      biz_opaque_callback_data: bizOpaqueCallbackData,
    };
  }
  const components: object[] = [];
  if (message.bodyParameters.length > 0) {
    components.push({
      type: 'body',
      parameters: message.bodyParameters.map((text) => ({ type: 'text', text })),
    });
  }
  if (message.urlButtonParameter !== undefined) {
    components.push({
      type: 'button',
      sub_type: 'url',
      // Meta documents the index as a string.
      index: String(message.urlButtonIndex ?? 0),
      parameters: [{ type: 'text', text: message.urlButtonParameter }],
    });
  }
  const template = { name: message.name, language: { code: message.languageCode }, components };
  if (endpointFor(message) === 'marketing_messages') {
    return {
      ...common,
      type: 'template',
      template,
      ...(marketing.productPolicy ? { product_policy: marketing.productPolicy } : {}),
    };
  }
  return { ...common, type: 'template', template, biz_opaque_callback_data: bizOpaqueCallbackData };
}
