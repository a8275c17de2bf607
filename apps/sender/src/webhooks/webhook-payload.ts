import type { StatusUpdate } from '../messages/message-lifecycle';

export interface StatusNotice extends StatusUpdate {
  /** The sendId echoed from biz_opaque_callback_data. */
  sendId?: string;
}

export interface ShopperReply {
  phoneNumberId: string;
  /** E.164 of the shopper. */
  phone: string;
  text: string;
  at: string;
}

const STATUSES = new Set(['sent', 'delivered', 'read', 'failed']);

/**
 * The parts of a WhatsApp webhook the sender acts on: status updates and shoppers' text or
 * button replies. Anything else (other fields, other message types) is left out; a shape it
 * cannot read yields nothing rather than an error, so Meta does not retry it for days.
 */
export function readWebhook(payload: unknown): { statuses: StatusNotice[]; replies: ShopperReply[] } {
  const statuses: StatusNotice[] = [];
  const replies: ShopperReply[] = [];
  const entries = (payload as { entry?: unknown })?.entry;
  if (!Array.isArray(entries)) return { statuses, replies };
  for (const entry of entries) {
    const changes = (entry as { changes?: unknown })?.changes;
    if (!Array.isArray(changes)) continue;
    for (const change of changes as Array<{ field?: string; value?: Record<string, unknown> }>) {
      if (change?.field !== 'messages' || !change.value) continue;
      const value = change.value;
      const phoneNumberId = String((value.metadata as { phone_number_id?: unknown })?.phone_number_id ?? '');
      for (const s of asArray(value.statuses)) {
        if (typeof s.id !== 'string' || !STATUSES.has(String(s.status))) continue;
        const errorCode = Number(asArray(s.errors)[0]?.code);
        statuses.push({
          wamid: s.id,
          status: s.status as StatusNotice['status'],
          at: timeOf(s.timestamp),
          sendId: typeof s.biz_opaque_callback_data === 'string' ? s.biz_opaque_callback_data : undefined,
          ...(Number.isFinite(errorCode) && errorCode > 0 ? { errorCode } : {}),
        });
      }
      for (const m of asArray(value.messages)) {
        const text =
          m.type === 'text'
            ? (m.text as { body?: unknown })?.body
            : m.type === 'button'
              ? ((m.button as { text?: unknown; payload?: unknown })?.text ??
                (m.button as { payload?: unknown })?.payload)
              : undefined;
        if (typeof text !== 'string' || typeof m.from !== 'string' || !/^\d{6,15}$/.test(m.from)) continue;
        replies.push({ phoneNumberId, phone: `+${m.from}`, text, at: timeOf(m.timestamp) });
      }
    }
  }
  return { statuses, replies };
}

function asArray(v: unknown): Array<Record<string, unknown>> {
  return Array.isArray(v) ? (v as Array<Record<string, unknown>>) : [];
}

/** Meta's timestamps are seconds since the epoch, as a string. */
function timeOf(ts: unknown): string {
  const seconds = Number(ts);
  return Number.isFinite(seconds) && seconds > 0 ? new Date(seconds * 1000).toISOString() : new Date().toISOString();
}
