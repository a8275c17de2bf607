/**
 * Who a webhook is about. Since 2026 Meta names a WhatsApp user by a business-scoped user id
 * (BSUID, `CC.` + letters and digits, `CC.ENT.…` for a portfolio's parent id) and may leave
 * the phone out (usernames). Any of these may be missing.
 */
export interface ShopperIdentity {
  /** E.164 of the shopper, when the webhook carried a phone number. */
  phone?: string;
  /** The business-scoped user id. */
  userId?: string;
  parentUserId?: string;
  /** Display only: users can change it, never a key. */
  username?: string;
}

/** A shopper's phone and business-scoped user id, as learnt for one store. */
export interface IdentityPair {
  storeId: string;
  phone: string;
  userId: string;
  parentUserId: string | null;
}

/**
 * What a status webhook teaches about its message's shopper. The sender sends by phone, so the
 * message row knows the phone; the webhook names the BSUID (`recipient_user_id`, `contacts[]`)
 * and sometimes the phone again. They pair when the webhook carries a BSUID and names no other
 * phone than the row's (a phone that differs is a conflict: nothing is learnt). The first pair
 * of a (store, phone) wins (kept by the repository); a failed status sent by phone carries no
 * BSUID and pairs nothing.
 */
export function pairingOfStatus(
  message: { storeId: string; phone: string },
  recipient: ShopperIdentity,
): IdentityPair | undefined {
  if (!recipient.userId) return undefined;
  if (recipient.phone !== undefined && recipient.phone !== message.phone) return undefined;
  return {
    storeId: message.storeId,
    phone: message.phone,
    userId: recipient.userId,
    parentUserId: recipient.parentUserId ?? null,
  };
}

/** A reply names the business number, so every store on it: with both a phone and a BSUID, it pairs them for each. */
export function pairingsOfReply(stores: string[], sender: ShopperIdentity): IdentityPair[] {
  if (!sender.userId || !sender.phone) return [];
  return stores.map((storeId) => ({
    storeId,
    phone: sender.phone!,
    userId: sender.userId!,
    parentUserId: sender.parentUserId ?? null,
  }));
}

/**
 * Who an opt-out reply opts out, per store: by phone when the reply carries one; else by the
 * phone its BSUID was paired with for that store; else, never paired, it waits keyed by the
 * BSUID (`pending`) until a webhook pairs it (`optOutsOnPairing`).
 */
export function optOutTargets(
  stores: string[],
  sender: ShopperIdentity,
  phoneOf: (storeId: string, userId: string) => string | undefined,
): { byPhone: Array<{ storeId: string; phone: string }>; pending: Array<{ storeId: string; userId: string }> } {
  const byPhone: Array<{ storeId: string; phone: string }> = [];
  const pending: Array<{ storeId: string; userId: string }> = [];
  for (const storeId of stores) {
    const phone = sender.phone ?? (sender.userId ? phoneOf(storeId, sender.userId) : undefined);
    if (phone) byPhone.push({ storeId, phone });
    else if (sender.userId) pending.push({ storeId, userId: sender.userId });
  }
  return { byPhone, pending };
}

/** Opt-outs kept by BSUID that a newly learnt pair resolves to a phone. */
export function optOutsOnPairing<P extends { storeId: string; userId: string }>(
  learnt: IdentityPair[],
  pending: P[],
): Array<P & { phone: string }> {
  const phones = new Map(learnt.map((p) => [`${p.storeId}\u0000${p.userId}`, p.phone]));
  return pending.flatMap((o) => {
    const phone = phones.get(`${o.storeId}\u0000${o.userId}`);
    return phone ? [{ ...o, phone }] : [];
  });
}
