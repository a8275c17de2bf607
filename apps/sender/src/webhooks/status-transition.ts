import type { HistoryEntry, MessageState } from '../send-due/message.repository';

export type WebhookStatus = 'sent' | 'delivered' | 'read' | 'failed';

/** How far a message got; a status never moves it back (a late `delivered` after `read`). */
const RANK: Partial<Record<MessageState, number>> = {
  sending: 0,
  unknown: 0,
  sent: 1,
  failed: 2,
  delivered: 3,
  read: 4,
};

export interface MessageStatusView {
  state: MessageState;
  wamid: string | null;
  errorCode: number | null;
  history: HistoryEntry[];
}

export interface StatusUpdate {
  status: WebhookStatus;
  at: string;
  wamid: string;
  errorCode?: number;
}

/**
 * One status webhook applied to a message. Idempotent (a status already in the history
 * changes nothing) and order-free (the state is the furthest status seen, so `read` before
 * `delivered` ends at read, and the history keeps both with their own times). `isNew` says
 * whether this status is news, to be announced on message-outcomes.
 */
export function applyStatus(
  message: MessageStatusView,
  update: StatusUpdate,
): { isNew: boolean; next: MessageStatusView } {
  if (message.history.some((h) => h.status === update.status)) return { isNew: false, next: message };
  const current = RANK[message.state];
  // skipped / expired / deferred rows never went out: a status for them is not theirs to take.
  if (current === undefined) return { isNew: false, next: message };
  const entry: HistoryEntry = {
    status: update.status,
    at: update.at,
    ...(update.errorCode ? { code: update.errorCode } : {}),
  };
  const history = [...message.history, entry];
  const forward = RANK[update.status]! > current;
  return {
    isNew: true,
    next: {
      state: forward ? update.status : message.state,
      wamid: message.wamid ?? update.wamid,
      errorCode: update.errorCode ?? message.errorCode,
      history,
    },
  };
}
