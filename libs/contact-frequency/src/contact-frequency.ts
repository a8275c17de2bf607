import { shopperKey, type ShopperKey } from '@lib/contracts';

/**
 * The frequency rule: a shopper hears from a store at most once per the store's
 * `minHoursBetweenMessages`, whatever the cart. Both the scheduler (when a timer fires) and the
 * sender (before it calls WhatsApp) check it, each against its own `contacts` table, with these
 * functions; their repositories lock the shoppers' rows, read the holds, and write what these
 * decide.
 */

/** The message that holds a shopper back from the store's other messages, and until when. */
export interface FrequencyHold {
  sendId: string;
  until: Date;
}

/** A message that wants to go out to a shopper of a store. */
export interface ContactAsk {
  storeId: string;
  phone: string;
  sendId: string;
  minHoursBetweenMessages: number;
}

/** What the rule says to one ask: may it go out, and the hold it takes on its shopper. */
export interface ContactDecision {
  granted: boolean;
  /** The shopper's new hold; null: the hold stays as it was. */
  takes: FrequencyHold | null;
}

/** Who counts as the same shopper: the same phone at the same store, whatever the cart. */
export function contactKeyOf(ask: { storeId: string; phone: string }): ShopperKey {
  return shopperKey(ask.storeId, ask.phone);
}

/** A store with 0 hours has no frequency rule: every message may go out. */
export function frequencyRuleApplies(minHoursBetweenMessages: number): boolean {
  return minHoursBetweenMessages > 0;
}

/** The window: a message at `from` holds its shopper until `from` plus the store's minimum. */
export function holdUntil(from: Date, minHoursBetweenMessages: number): Date {
  return new Date(from.getTime() + Math.max(0, minHoursBetweenMessages) * 3_600_000);
}

/** A hold is in force until its end, then holds no one (epoch ms or dates). */
export function holdInForce(until: Date | number, at: Date | number): boolean {
  return +until > +at;
}

/**
 * Whether `hold` keeps message `sendId` from its shopper at `at`: only a hold of another
 * message that has not ended. A message asking again (re-emitted, re-planned) is never held
 * back by its own hold.
 */
export function holdsBack(hold: FrequencyHold | undefined, sendId: string, at: Date): boolean {
  return hold !== undefined && hold.sendId !== sendId && holdInForce(hold.until, at);
}

/**
 * The sender's first reading, before it takes any slot: held back by the shopper's last
 * message (another sendId) when it went out less than the store's minimum before `at`.
 */
export function heldBackByLastMessage(
  last: { sendId: string; at: Date } | undefined,
  sendId: string,
  at: Date,
  minHoursBetweenMessages: number,
): boolean {
  if (!frequencyRuleApplies(minHoursBetweenMessages) || !last) return false;
  return holdsBack({ sendId: last.sendId, until: holdUntil(last.at, minHoursBetweenMessages) }, sendId, at);
}

/**
 * The asks that contend for their shopper's hold: the first of each shopper in the batch (the
 * batch's later ones are decided without the database), sorted by contact key, the order in
 * which concurrent deciders lock the shoppers' rows so they never deadlock.
 */
export function contendingAsks<A extends ContactAsk>(asks: readonly A[]): A[] {
  const first = new Map<ShopperKey, A>();
  for (const a of asks) {
    const key = contactKeyOf(a);
    if (!first.has(key)) first.set(key, a);
  }
  return [...first.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([, a]) => a);
}

/**
 * Decides a batch of asks at `at`, given the current hold of each contending shopper (by
 * contact key; none: the shopper is free):
 *  - the first ask of a shopper takes the hold when nothing holds it back, until `at` plus the
 *    store's minimum (a zero-length hold where the rule is off: it records the message and
 *    holds no one back);
 *  - where the rule applies, only that ask may go out; the batch's later asks of the same
 *    shopper are frequency-capped;
 *  - where the rule is off, every ask may go out.
 * Keyed by sendId.
 */
export function decideContacts(
  asks: readonly ContactAsk[],
  holds: ReadonlyMap<ShopperKey, FrequencyHold>,
  at: Date,
): Map<string, ContactDecision> {
  const decisions = new Map<string, ContactDecision>();
  const contended = new Set<ShopperKey>();
  for (const ask of asks) {
    const key = contactKeyOf(ask);
    const ruleOff = !frequencyRuleApplies(ask.minHoursBetweenMessages);
    if (contended.has(key)) {
      decisions.set(ask.sendId, { granted: ruleOff, takes: null });
      continue;
    }
    contended.add(key);
    const current = holds.get(key);
    const free = !holdsBack(current, ask.sendId, at);
    const hold = { sendId: ask.sendId, until: holdUntil(at, ask.minHoursBetweenMessages) };
    const takes = free && !sameHold(current, hold) ? hold : null;
    decisions.set(ask.sendId, { granted: ruleOff || free, takes });
  }
  return decisions;
}

function sameHold(a: FrequencyHold | undefined, b: FrequencyHold): boolean {
  return a !== undefined && a.sendId === b.sendId && a.until.getTime() === b.until.getTime();
}

/** How a message ended for the shopper, as the hold it took sees it. */
export interface ContactSettlement {
  sendId: string;
  /** It went out (sent, delivered, read); false: it never reached the shopper. */
  reached: boolean;
  /** When it went out, or when it was known never to reach the shopper. */
  at: Date;
}

/**
 * What a message's end does to the hold it took: one that reached the shopper holds them from
 * when it went out (never less than already held); one that never did (failed, skipped,
 * expired) releases the shopper, so the next cart may be reminded. A hold another message has
 * taken since is not this message's to change: undefined, unchanged. Null: released.
 */
export function settleHold(
  hold: FrequencyHold,
  settlement: ContactSettlement,
  minHoursBetweenMessages: number,
): FrequencyHold | null | undefined {
  if (hold.sendId !== settlement.sendId) return undefined;
  if (!settlement.reached) return null;
  const from = holdUntil(settlement.at, minHoursBetweenMessages);
  return { sendId: hold.sendId, until: from.getTime() > hold.until.getTime() ? from : hold.until };
}
