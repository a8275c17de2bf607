import { describeError } from './graph-errors';
import type { AcceptedMessage, StatusName } from './record';
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

interface WebhookEnvelope<V> {
  object: 'whatsapp_business_account';
  entry: Array<{ id: string; changes: Array<{ value: V; field: 'messages' }> }>;
}

export interface StatusValue {
  messaging_product: 'whatsapp';
  metadata: { display_phone_number: string; phone_number_id: string };
  statuses: Array<{
    id: string;
    status: StatusName;
    timestamp: string;
    recipient_id: string;
    biz_opaque_callback_data?: string;
    conversation?: { id: string; expiration_timestamp?: string; origin: { type: string } };
    pricing?: { billable: boolean; pricing_model: 'PMP'; category: string };
    errors?: Array<{ code: number; title: string; message: string; error_data: { details: string }; href: string }>;
  }>;
}

export interface InboundValue {
  messaging_product: 'whatsapp';
  metadata: { display_phone_number: string; phone_number_id: string };
  contacts: Array<{ profile: { name: string }; wa_id: string }>;
  messages: Array<{
    from: string;
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

export function statusWebhook(
  business: BusinessNumber,
  message: AcceptedMessage,
  status: StatusName,
  at: number,
  errorCode?: number,
): StatusWebhook {
  const timestamp = seconds(at);
  const entry: StatusValue['statuses'][number] = {
    id: message.wamid,
    status,
    timestamp,
    recipient_id: message.waId,
  };
  if (message.bizOpaqueCallbackData !== undefined) entry.biz_opaque_callback_data = message.bizOpaqueCallbackData;
  if (status === 'failed') {
    const code = errorCode ?? 131000;
    const { title, details } = describeError(code);
    entry.errors = [{ code, title, message: title, error_data: { details }, href: ERROR_CODES_HREF }];
  } else {
    let conversationId = conversations.get(message);
    if (!conversationId) conversations.set(message, (conversationId = newConversationId()));
    entry.conversation = { id: conversationId, origin: { type: message.category } };
    // Meta sends the conversation's expiry with the first status only.
    if (status === 'sent') entry.conversation.expiration_timestamp = seconds(at + DAY_S * 1000);
    entry.pricing = { billable: message.category !== 'service', pricing_model: 'PMP', category: message.category };
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

export function inboundWebhook(business: BusinessNumber, reply: ShopperReply): InboundWebhook {
  const message: InboundValue['messages'][number] = {
    ...(reply.inReplyTo ? { context: { from: business.displayPhoneNumber, id: reply.inReplyTo } } : {}),
    from: reply.from,
    id: reply.wamid,
    timestamp: seconds(reply.at),
    ...(reply.button ? { type: 'button', button: reply.button } : { type: 'text', text: { body: reply.text ?? '' } }),
  };
  return envelope(business, {
    messaging_product: 'whatsapp',
    metadata: metadata(business),
    contacts: [{ profile: { name: reply.name }, wa_id: reply.from }],
    messages: [message],
  });
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
