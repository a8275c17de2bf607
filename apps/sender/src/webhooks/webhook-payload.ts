import type { ShopperIdentity } from '../contacts/shopper-identity';
import type { StatusUpdate } from '../messages/message-lifecycle';
import type { MessagePricing } from '../messages/message.repository';
import type { BusinessNumberSeen, TemplateNotice } from '../templates/template-state';

export type { ShopperIdentity } from '../contacts/shopper-identity';
export type { BusinessNumberSeen, TemplateNotice } from '../templates/template-state';

/** What a status webhook says a message cost (Meta's `pricing` object). */
export type StatusPricing = MessagePricing;

export interface StatusNotice extends StatusUpdate {
  /** The sendId echoed from biz_opaque_callback_data. */
  sendId?: string;
  recipient: ShopperIdentity;
  pricing?: StatusPricing;
}

export interface ShopperReply extends ShopperIdentity {
  phoneNumberId: string;
  text: string;
  at: string;
}

export interface ReadWebhook {
  statuses: StatusNotice[];
  replies: ShopperReply[];
  templates: TemplateNotice[];
  numbers: BusinessNumberSeen[];
  /** Business accounts that accepted the Marketing Messages API terms (account_update MM_LITE_TERMS_SIGNED). */
  termsSigned: string[];
}

const STATUSES = new Set(['sent', 'delivered', 'read', 'failed']);
/** A BSUID: two capital letters (the country) and a dot; `wa_id`/`from` may hold one, so both are opaque. */
const BSUID = /^[A-Z]{2}\.[A-Za-z0-9.]{1,140}$/;
const PHONE_DIGITS = /^\d{6,15}$/;

export function isBusinessScopedUserId(value: unknown): value is string {
  return typeof value === 'string' && BSUID.test(value);
}

/**
 * The parts of a WhatsApp webhook the sender acts on: status updates, shoppers' text or
 * button replies, template status and category changes, which business account each number
 * belongs to, and an account accepting the Marketing Messages API terms. Anything else (other fields, other message types) is left out; a shape
 * it cannot read yields nothing rather than an error, so Meta does not retry it for days.
 */
export function readWebhook(payload: unknown): ReadWebhook {
  const read: ReadWebhook = { statuses: [], replies: [], templates: [], numbers: [], termsSigned: [] };
  const entries = (payload as { entry?: unknown })?.entry;
  if (!Array.isArray(entries)) return read;
  for (const entry of entries as Array<{ id?: unknown; time?: unknown; changes?: unknown }>) {
    const changes = entry?.changes;
    if (!Array.isArray(changes)) continue;
    const wabaId = typeof entry.id === 'string' || typeof entry.id === 'number' ? String(entry.id) : '';
    for (const change of changes as Array<{ field?: string; value?: Record<string, unknown> }>) {
      if (!change?.value || typeof change.value !== 'object') continue;
      if (change.field === 'messages') readMessages(change.value, wabaId, read);
      else if (change.field === 'message_template_status_update' || change.field === 'template_category_update') {
        const notice = templateNotice(change.field, change.value, wabaId, entry.time);
        if (notice) read.templates.push(notice);
      } else if (change.field === 'account_update' && change.value.event === 'MM_LITE_TERMS_SIGNED') {
        const info = change.value.waba_info as { waba_id?: unknown } | undefined;
        const account = typeof info?.waba_id === 'string' && info.waba_id !== '' ? info.waba_id : wabaId;
        if (account) read.termsSigned.push(account);
      }
    }
  }
  return read;
}

function readMessages(value: Record<string, unknown>, wabaId: string, read: ReadWebhook): void {
  const phoneNumberId = String((value.metadata as { phone_number_id?: unknown })?.phone_number_id ?? '');
  if (wabaId && /^\d{1,30}$/.test(phoneNumberId)) read.numbers.push({ phoneNumberId, wabaId });
  for (const s of asArray(value.statuses)) {
    if (typeof s.id !== 'string' || !STATUSES.has(String(s.status))) continue;
    const errorCode = Number(asArray(s.errors)[0]?.code);
    const pricing = pricingOf(s.pricing);
    read.statuses.push({
      wamid: s.id,
      status: s.status as StatusNotice['status'],
      at: timeOf(s.timestamp),
      sendId: typeof s.biz_opaque_callback_data === 'string' ? s.biz_opaque_callback_data : undefined,
      ...(Number.isFinite(errorCode) && errorCode > 0 ? { errorCode } : {}),
      recipient: recipientOf(s),
      ...(pricing ? { pricing } : {}),
    });
  }
  const contacts = asArray(value.contacts);
  for (const m of asArray(value.messages)) {
    const text =
      m.type === 'text'
        ? (m.text as { body?: unknown })?.body
        : m.type === 'button'
          ? ((m.button as { text?: unknown; payload?: unknown })?.text ?? (m.button as { payload?: unknown })?.payload)
          : undefined;
    if (typeof text !== 'string') continue;
    const identity = senderOf(m, contacts);
    if (!identity.phone && !identity.userId) continue;
    read.replies.push({ phoneNumberId, ...identity, text, at: timeOf(m.timestamp) });
  }
}

/**
 * The shopper a status is about: `recipient_id` (a phone, or a BSUID in some write-ups),
 * `recipient_user_id`, `recipient_parent_user_id`, and `contacts[]` (`wa_id`, `user_id`).
 * Failed statuses may carry none of them; the message is found by its id anyway.
 */
function recipientOf(s: Record<string, unknown>): ShopperIdentity {
  const contact = asArray(s.contacts)[0] ?? {};
  return identityOf({
    opaque: [s.recipient_id, contact.wa_id],
    userIds: [s.recipient_user_id, contact.user_id],
    parentUserIds: [s.recipient_parent_user_id, contact.parent_user_id],
    usernames: [s.username, (contact.profile as { username?: unknown })?.username, contact.username],
  });
}

/**
 * The sender of an inbound message: `from` / `from_user_id`, completed from its `contacts[]`
 * entry (matched by wa_id or user_id, or the only one): `wa_id` is there only when the phone
 * is shareable, `user_id` always.
 */
function senderOf(m: Record<string, unknown>, contacts: Array<Record<string, unknown>>): ShopperIdentity {
  const contact =
    contacts.find(
      (c) => (c.wa_id !== undefined && c.wa_id === m.from) || (c.user_id !== undefined && c.user_id === m.from_user_id),
    ) ?? (contacts.length === 1 ? contacts[0] : {});
  return identityOf({
    opaque: [m.from, contact.wa_id],
    userIds: [m.from_user_id, contact.user_id],
    parentUserIds: [m.from_parent_user_id, contact.parent_user_id],
    usernames: [(contact.profile as { username?: unknown })?.username],
  });
}

/** `wa_id`/`from`/`recipient_id` are opaque: digits are a phone, the `CC.` shape a BSUID. */
function identityOf(fields: {
  opaque: unknown[];
  userIds: unknown[];
  parentUserIds: unknown[];
  usernames: unknown[];
}): ShopperIdentity {
  const phoneDigits = fields.opaque.find((v): v is string => typeof v === 'string' && PHONE_DIGITS.test(v));
  const userId = [...fields.userIds, ...fields.opaque].find(isBusinessScopedUserId);
  const parentUserId = fields.parentUserIds.find(isBusinessScopedUserId);
  const username = fields.usernames.find((v): v is string => typeof v === 'string' && v.length > 0);
  return {
    ...(phoneDigits ? { phone: `+${phoneDigits}` } : {}),
    ...(userId ? { userId } : {}),
    ...(parentUserId ? { parentUserId } : {}),
    ...(username ? { username } : {}),
  };
}

function pricingOf(p: unknown): StatusPricing | undefined {
  if (!p || typeof p !== 'object') return undefined;
  const o = p as Record<string, unknown>;
  const text = (v: unknown) => (typeof v === 'string' && v.length <= 100 ? v : null);
  return {
    billable: typeof o.billable === 'boolean' ? o.billable : null,
    category: text(o.category),
    type: text(o.type),
    pricingModel: text(o.pricing_model),
  };
}

function templateNotice(
  field: 'message_template_status_update' | 'template_category_update',
  v: Record<string, unknown>,
  wabaId: string,
  entryTime: unknown,
): TemplateNotice | undefined {
  const name = v.message_template_name;
  if (!wabaId || typeof name !== 'string' || name === '') return undefined;
  const upper = (x: unknown) => (typeof x === 'string' && x !== '' ? x.toUpperCase() : null);
  const base = {
    wabaId,
    templateId: v.message_template_id == null ? null : String(v.message_template_id),
    name,
    language: typeof v.message_template_language === 'string' ? v.message_template_language : null,
    at: timeOf(entryTime),
  };
  if (field === 'message_template_status_update') {
    const status = upper(v.event);
    if (!status) return undefined;
    return {
      ...base,
      kind: 'status',
      status,
      reason: typeof v.reason === 'string' ? v.reason : null,
      category: upper(v.message_template_category),
    };
  }
  // The impending form names the category to come (correct_category; its new_category is the
  // current one); the completed form the one before and the one now.
  const correct = upper(v.correct_category);
  if (correct) {
    return {
      ...base,
      kind: 'category-impending',
      currentCategory: upper(v.new_category),
      correctCategory: correct,
      effectiveAt: v.category_update_timestamp == null ? null : timeOf(v.category_update_timestamp),
    };
  }
  const next = upper(v.new_category);
  if (!next) return undefined;
  return { ...base, kind: 'category-completed', previousCategory: upper(v.previous_category), newCategory: next };
}

function asArray(v: unknown): Array<Record<string, unknown>> {
  return Array.isArray(v) ? (v as Array<Record<string, unknown>>) : [];
}

/** Meta's timestamps are seconds since the epoch, as a string (or a number in account webhooks). */
function timeOf(ts: unknown): string {
  const seconds = Number(ts);
  return Number.isFinite(seconds) && seconds > 0 ? new Date(seconds * 1000).toISOString() : new Date().toISOString();
}
