import { describeError } from './graph-errors';
import type { AcceptedMessage, StatusName } from './record';
import type { ShopperIdentity } from './shopper-identities';
import { newConversationId } from './wamid';

/**
 * The JSON Meta POSTs to the app's webhook URL for the `messages` field: one entry, one
 * change, one status or one inbound message per POST, as the Cloud API usually sends them.
 */

export interface BusinessNumber {
  phoneNumberId: string;
  displayPhoneNumber: string;
  wabaId: string;
}

export type WebhookField =
  'messages' | 'message_template_status_update' | 'template_category_update' | 'account_update';

interface WebhookEnvelope<V> {
  object: 'whatsapp_business_account';
  entry: Array<{ id: string; time?: number; changes: Array<{ value: V; field: WebhookField }> }>;
}

export interface StatusValue {
  messaging_product: 'whatsapp';
  metadata: { display_phone_number: string; phone_number_id: string };
  statuses: Array<{
    id: string;
    status: StatusName;
    timestamp: string;
    /** The phone; missing when it is not shareable (BSUID only). */
    recipient_id?: string;
    recipient_user_id?: string;
    recipient_parent_user_id?: string;
    /** On delivered and read, once the user has one. */
    username?: string;
    /** sent / delivered / read only. */
    contacts?: Array<{ wa_id?: string; user_id?: string; parent_user_id?: string }>;
    biz_opaque_callback_data?: string;
    /** Left out from Graph v24.0 on. */
    conversation?: { id: string; expiration_timestamp?: string; origin: { type: string } };
    pricing?: {
      billable: boolean;
      pricing_model: 'PMP';
      type: 'regular' | 'free_customer_service' | 'free_entry_point';
      category: string;
    };
    errors?: Array<{ code: number; title: string; message: string; error_data: { details: string }; href: string }>;
  }>;
}

export interface InboundValue {
  messaging_product: 'whatsapp';
  metadata: { display_phone_number: string; phone_number_id: string };
  contacts: Array<{
    profile: { name: string; username?: string };
    wa_id?: string;
    user_id?: string;
    parent_user_id?: string;
  }>;
  messages: Array<{
    /** The phone; missing when it is not shareable. */
    from?: string;
    from_user_id?: string;
    id: string;
    timestamp: string;
    context?: { from: string; id: string };
    type: 'text' | 'button';
    text?: { body: string };
    button?: { text: string; payload: string };
  }>;
}

export type StatusWebhook = WebhookEnvelope<StatusValue>;
export type InboundWebhook = WebhookEnvelope<InboundValue>;

const ERROR_CODES_HREF = 'https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes/';
const DAY_S = 24 * 60 * 60;

/** Conversation ids last for the 24 h window, per message thread; one per message is close enough here. */
const conversations = new WeakMap<AcceptedMessage, string>();

/** Graph versions from which status webhooks no longer carry `conversation`. */
function withoutConversation(apiVersion: string): boolean {
  return Number(/^v(\d+)/.exec(apiVersion)?.[1] ?? 0) >= 24;
}

export function statusWebhook(
  business: BusinessNumber,
  message: AcceptedMessage,
  status: StatusName,
  at: number,
  errorCode?: number,
  identity: ShopperIdentity = { waId: message.waId },
): StatusWebhook {
  const timestamp = seconds(at);
  const entry: StatusValue['statuses'][number] = { id: message.wamid, status, timestamp };
  if (identity.waId !== undefined) entry.recipient_id = identity.waId;
  if (message.bizOpaqueCallbackData !== undefined) entry.biz_opaque_callback_data = message.bizOpaqueCallbackData;
  if (status === 'failed') {
    // Failed statuses carry no contacts, and no BSUID when the send named a phone (always here).
    const code = errorCode ?? 131000;
    const { title, details } = describeError(code);
    entry.errors = [{ code, title, message: title, error_data: { details }, href: ERROR_CODES_HREF }];
  } else {
    if (identity.userId !== undefined) entry.recipient_user_id = identity.userId;
    if (identity.parentUserId !== undefined) entry.recipient_parent_user_id = identity.parentUserId;
    if (identity.username !== undefined && status !== 'sent') entry.username = identity.username;
    if (identity.userId !== undefined || identity.waId !== undefined) {
      entry.contacts = [
        {
          ...(identity.waId !== undefined ? { wa_id: identity.waId } : {}),
          ...(identity.userId !== undefined ? { user_id: identity.userId } : {}),
          ...(identity.parentUserId !== undefined ? { parent_user_id: identity.parentUserId } : {}),
        },
      ];
    }
    if (!withoutConversation(message.apiVersion)) {
      let conversationId = conversations.get(message);
      if (!conversationId) conversations.set(message, (conversationId = newConversationId()));
      entry.conversation = { id: conversationId, origin: { type: message.category } };
      // Meta sends the conversation's expiry with the first status only.
      if (status === 'sent') entry.conversation.expiration_timestamp = seconds(at + DAY_S * 1000);
    }
    // Since July 2025: charged per delivered template, by category; a text (service) is free in its window.
    entry.pricing =
      message.category === 'service'
        ? { billable: false, pricing_model: 'PMP', type: 'free_customer_service', category: 'service' }
        : { billable: true, pricing_model: 'PMP', type: 'regular', category: message.category };
  }
  return envelope(business, { messaging_product: 'whatsapp', metadata: metadata(business), statuses: [entry] });
}

export interface ShopperReply {
  /** The shopper's number (digits). */
  from: string;
  /** Profile name shown in `contacts`. */
  name: string;
  wamid: string;
  at: number;
  /** A typed reply, e.g. "BAJA". */
  text?: string;
  /** A tap on a quick-reply button of the message being answered. */
  button?: { text: string; payload: string };
  /** The business message being answered, if any. */
  inReplyTo?: string;
}

export function inboundWebhook(
  business: BusinessNumber,
  reply: ShopperReply,
  identity: ShopperIdentity = { waId: reply.from },
): InboundWebhook {
  const message: InboundValue['messages'][number] = {
    ...(reply.inReplyTo ? { context: { from: business.displayPhoneNumber, id: reply.inReplyTo } } : {}),
    ...(identity.waId !== undefined ? { from: identity.waId } : {}),
    ...(identity.userId !== undefined ? { from_user_id: identity.userId } : {}),
    id: reply.wamid,
    timestamp: seconds(reply.at),
    ...(reply.button ? { type: 'button', button: reply.button } : { type: 'text', text: { body: reply.text ?? '' } }),
  };
  return envelope(business, {
    messaging_product: 'whatsapp',
    metadata: metadata(business),
    contacts: [
      {
        profile: { name: reply.name, ...(identity.username !== undefined ? { username: identity.username } : {}) },
        ...(identity.waId !== undefined ? { wa_id: identity.waId } : {}),
        ...(identity.userId !== undefined ? { user_id: identity.userId } : {}),
        ...(identity.parentUserId !== undefined ? { parent_user_id: identity.parentUserId } : {}),
      },
    ],
    messages: [message],
  });
}

/** A template's status changing (Meta's `message_template_status_update`). */
export interface TemplateStatusEvent {
  kind: 'status';
  /** APPROVED, PAUSED, DISABLED, REJECTED, REINSTATED, … */
  event: string;
  name: string;
  language: string;
  templateId?: string;
  reason?: string;
  category?: string;
}

/** A template's category changing (Meta's `template_category_update`), announced or done. */
export type TemplateCategoryEvent =
  | {
      kind: 'category-impending';
      name: string;
      language: string;
      templateId?: string;
      /** The category now. */
      currentCategory: string;
      correctCategory: string;
      /** Epoch ms when it takes effect; default 24 h after the webhook. */
      effectiveAt?: number;
    }
  | {
      kind: 'category-completed';
      name: string;
      language: string;
      templateId?: string;
      previousCategory: string;
      newCategory: string;
    };

export type TemplateEvent = TemplateStatusEvent | TemplateCategoryEvent;

export function templateWebhook(wabaId: string, event: TemplateEvent, at: number): WebhookEnvelope<object> {
  const base = {
    message_template_id: Number(event.templateId ?? templateIdOf(event.name, event.language)),
    message_template_name: event.name,
    message_template_language: event.language,
  };
  const time = Math.floor(at / 1000);
  const one = (field: WebhookField, value: object): WebhookEnvelope<object> => ({
    object: 'whatsapp_business_account',
    entry: [{ id: wabaId, time, changes: [{ value, field }] }],
  });
  if (event.kind === 'status') {
    return one('message_template_status_update', {
      event: event.event,
      ...base,
      reason: event.reason ?? 'NONE',
      ...(event.category ? { message_template_category: event.category } : {}),
      ...(event.event === 'DISABLED' ? { disable_info: { disable_date: time } } : {}),
    });
  }
  if (event.kind === 'category-impending') {
    return one('template_category_update', {
      ...base,
      correct_category: event.correctCategory,
      new_category: event.currentCategory,
      category_update_timestamp: Math.floor((event.effectiveAt ?? at + DAY_S * 1000) / 1000),
    });
  }
  return one('template_category_update', {
    ...base,
    previous_category: event.previousCategory,
    new_category: event.newCategory,
  });
}

/**
 * The `account_update` webhook Meta sends when a business account accepts the Marketing
 * Messages API terms (event `MM_LITE_TERMS_SIGNED`, with `waba_info`).
 */
export function marketingTermsSignedWebhook(
  wabaId: string,
  ownerBusinessId: string,
  at: number,
): WebhookEnvelope<object> {
  return {
    object: 'whatsapp_business_account',
    entry: [
      {
        id: wabaId,
        time: Math.floor(at / 1000),
        changes: [
          {
            value: {
              event: 'MM_LITE_TERMS_SIGNED',
              waba_info: { waba_id: wabaId, owner_business_id: ownerBusinessId },
            },
            field: 'account_update',
          },
        ],
      },
    ],
  };
}

/** A stable numeric template id per name and language, as Meta's are numbers. */
function templateIdOf(name: string, language: string): string {
  let h = 0;
  for (const c of `${name}:${language}`) h = (h * 31 + c.charCodeAt(0)) % 1_000_000_007;
  return String(278_000_000_000_000 + h);
}

function envelope<V>(business: BusinessNumber, value: V): WebhookEnvelope<V> {
  return {
    object: 'whatsapp_business_account',
    entry: [{ id: business.wabaId, changes: [{ value, field: 'messages' }] }],
  };
}

function metadata(business: BusinessNumber): { display_phone_number: string; phone_number_id: string } {
  return { display_phone_number: business.displayPhoneNumber, phone_number_id: business.phoneNumberId };
}

function seconds(ms: number): string {
  return String(Math.floor(ms / 1000));
}
