/**
 * When new settings end a store's pause. A pause for a rejected token or account waits for
 * another token: the same one would be refused again. A pause for 131055 (the business has
 * not accepted the Marketing Messages API terms) was never about the token: accepting the
 * terms changes none, so any settings saved after it end the pause (a send refused again
 * pauses it again). Settings whose token does not open end nothing.
 */
export const MARKETING_TERMS_PAUSE = '131055:';

export function pauseEndedBy(
  pause: { reason: string | null; tokenDigest: string | null },
  next: { tokenDigest: string; tokenOpens: boolean },
): boolean {
  if (!next.tokenOpens) return false;
  if (isMarketingTermsPause(pause)) return true;
  return pause.tokenDigest !== next.tokenDigest;
}

/**
 * A pause for 131055. Besides any settings saved, Meta's `account_update` webhook with
 * MM_LITE_TERMS_SIGNED (the business account accepted the terms) ends it, and no other pause:
 * a rejected token stays rejected.
 */
export function isMarketingTermsPause(pause: { reason: string | null }): boolean {
  return pause.reason?.startsWith(MARKETING_TERMS_PAUSE) === true;
}
