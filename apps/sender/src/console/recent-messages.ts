import { CONSOLE_REASON_CODES, type ConsoleMessage, type ConsoleReasonCode } from '@lib/contracts';
import { maskPhone } from '@lib/observability';
import type { HistoryEntry, MessageState } from '../messages/message-lifecycle';

/**
 * The merchant console's "recent messages" (`GET /console/api/stores/{storeId}/messages`), as
 * pure functions: how many to show, and what of a message row a merchant may see. The phone
 * is masked; a reason is given only as a code of a closed list the console translates (the
 * stored reason can be Meta's free text, never shown as it is).
 */

export const RECENT_MESSAGES_DEFAULT = 20;
export const RECENT_MESSAGES_MAX = 100;

const KNOWN = new Set<string>(CONSOLE_REASON_CODES);

/** `?limit=`: 20 when absent, 1–100; undefined for anything else. */
export function recentMessagesLimit(raw: string | undefined): number | undefined {
  if (raw === undefined || raw === '') return RECENT_MESSAGES_DEFAULT;
  if (!/^\d{1,3}$/.test(raw)) return undefined;
  const limit = Number(raw);
  return limit >= 1 && limit <= RECENT_MESSAGES_MAX ? limit : undefined;
}

/** The code of a stored reason (`render-error: …`, `131049: limited-by-meta`, `retries-exhausted: …`). */
export function reasonCode(reason: string | null | undefined, errorCode?: number | null): ConsoleReasonCode | null {
  if (reason == null || reason === '') return errorCode != null ? 'whatsapp-error' : null;
  if (KNOWN.has(reason)) return reason as ConsoleReasonCode;
  if (reason === 'held_for_quality_assessment') return 'held-for-quality-assessment';
  if (reason === 'paused') return 'delivery-paused';
  if (reason.startsWith('render-error')) return 'render-error';
  if (reason.endsWith('limited-by-meta')) return 'limited-by-meta';
  if (reason.startsWith('retries-exhausted') || reason === 'attempts-exhausted') return 'retries-exhausted';
  // A Graph API error keeps its code (the console says "WhatsApp refused it (131026)").
  if (errorCode != null || /^\d+:/.test(reason)) return 'whatsapp-error';
  return 'other';
}

/** A message row as the console's query reads it. */
export interface RecentMessageRow {
  sendId: string;
  cartId: string;
  phone: string;
  state: MessageState;
  reason: string | null;
  errorCode: number | null;
  history: HistoryEntry[];
  renderedText: string | null;
  templateName: string | null;
  locale: string | null;
  createdAt: Date;
}

/** What the merchant sees of one message: the phone masked, reasons as codes. */
export function recentMessageOf(row: RecentMessageRow): ConsoleMessage {
  return {
    sendId: row.sendId,
    cartId: row.cartId,
    phone: maskPhone(row.phone),
    state: row.state,
    reason: reasonCode(row.reason, row.errorCode),
    errorCode: row.errorCode,
    history: row.history.map((step) => {
      const reason = step.reason !== undefined ? reasonCode(step.reason, step.code) : null;
      return {
        status: step.status,
        at: step.at,
        ...(reason ? { reason } : {}),
        ...(step.code !== undefined ? { code: step.code } : {}),
      };
    }),
    text: row.renderedText,
    templateName: row.templateName,
    locale: row.locale,
    decidedAt: row.createdAt.toISOString(),
  };
}
