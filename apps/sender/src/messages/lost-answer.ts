/**
 * Settling a send whose HTTP answer was lost when its webhooks cannot name it. On
 * `/marketing_messages` the body takes no `biz_opaque_callback_data`, so the status webhooks
 * of such a send carry only its WhatsApp message id — which was in the lost answer — and the
 * recipient (`recipient_id`) and time Meta documents on every status. A status whose id the
 * sender has never seen is taken for that send when, and only when, it is the one message
 * called to that recipient with no id yet, called shortly before the status: Pure.
 *
 * Why only then: a status of a message another app sent on the same number (a merchant's
 * inbox on the same WhatsApp Business Account) would otherwise settle it wrongly; two sends
 * to one recipient waiting for an id at once (two stores, one phone) cannot be told apart, so
 * neither is matched (they stay `unknown`: never sent again either way).
 */

/** A status that matched no message by id nor by sendId. */
export interface UnmatchedStatus {
  wamid: string;
  /** The recipient's phone (E.164) when the webhook named one. */
  phone?: string;
  /** The status's own time (ISO). */
  at: string;
}

/** A message called with no id known yet (`sending` or `unknown`, `called_at` set, `wamid` NULL). */
export interface AwaitingId {
  sendId: string;
  phone: string;
  calledAt: Date;
}

/** How far before the call a status may be dated (clocks apart) and how long after it. */
export const LOST_ANSWER_WINDOW = { beforeMs: 60_000, afterMs: 15 * 60_000 };

/** wamid → sendId for each unmatched status that names exactly one awaiting message, alone. */
export function matchLostAnswers(
  statuses: UnmatchedStatus[],
  awaiting: AwaitingId[],
  window = LOST_ANSWER_WINDOW,
): Map<string, string> {
  const candidatesOf = (s: UnmatchedStatus) => {
    const at = Date.parse(s.at);
    return awaiting.filter(
      (a) =>
        a.phone === s.phone &&
        at >= a.calledAt.getTime() - window.beforeMs &&
        at <= a.calledAt.getTime() + window.afterMs,
    );
  };
  const claims = new Map<string, Set<string>>(); // sendId → the wamids naming it
  const picked = new Map<string, string>();
  for (const status of statuses) {
    if (!status.phone || picked.has(status.wamid)) continue;
    const candidates = candidatesOf(status);
    if (candidates.length !== 1) continue;
    picked.set(status.wamid, candidates[0].sendId);
    claims.set(candidates[0].sendId, (claims.get(candidates[0].sendId) ?? new Set()).add(status.wamid));
  }
  // Two different ids for one send: one of them is someone else's message; trust neither.
  for (const [wamid, sendId] of picked) if (claims.get(sendId)!.size > 1) picked.delete(wamid);
  return picked;
}
