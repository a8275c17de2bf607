// The frequency rule over random histories: batches of asks from a few shoppers of two stores
// (one with the rule, one without) at increasing times, and the messages' ends (went out or
// never reached the shopper), applied to the holds as a repository would persist them.
import fc from 'fast-check';
import { contactKeyOf, contendingAsks, decideContacts, settleHold, type ContactAsk, type FrequencyHold } from './index';
import type { ShopperKey } from '@lib/contracts';

const HOUR = 3_600_000;
const MIN_HOURS: Record<string, number> = { ruled: 24, free: 0 };

const askArb = fc.record({
  storeId: fc.constantFrom('ruled', 'free'),
  phone: fc.constantFrom('+1', '+2', '+3'),
  cart: fc.integer({ min: 0, max: 5 }),
});
const stepArb = fc.oneof(
  fc.record({
    kind: fc.constant('asks' as const),
    afterHours: fc.integer({ min: 0, max: 30 }),
    asks: fc.array(askArb, { maxLength: 6 }),
  }),
  fc.record({
    kind: fc.constant('end' as const),
    afterHours: fc.integer({ min: 0, max: 30 }),
    pick: fc.nat(),
    reached: fc.boolean(),
  }),
);

interface Granted {
  ask: ContactAsk;
  at: number;
  /** The step at which it went out (from when it holds) or was known never to reach the shopper. */
  wentOut: { step: number; at: number } | null;
  releasedStep: number | null;
  step: number;
}

type Step = typeof stepArb extends fc.Arbitrary<infer T> ? T : never;

function run(steps: Step[]) {
  const holds = new Map<ShopperKey, FrequencyHold>();
  const granted: Granted[] = [];
  let now = Date.parse('2026-11-25T10:00:00Z');
  let episode = 0;
  for (const [n, step] of steps.entries()) {
    now += step.afterHours * HOUR;
    const at = new Date(now);
    if (step.kind === 'asks') {
      // Each ask a new message (a new abandonment), so no sendId asks twice.
      const asks: ContactAsk[] = step.asks.map((a) => ({
        storeId: a.storeId,
        phone: a.phone,
        sendId: `${a.storeId}:${a.cart}:${++episode}`,
        minHoursBetweenMessages: MIN_HOURS[a.storeId],
      }));
      const decided = decideContacts(asks, holds, at);
      const grantedNow = new Map<string, number>();
      for (const a of asks) {
        const d = decided.get(a.sendId)!;
        if (d.takes) holds.set(contactKeyOf(a), d.takes);
        if (!d.granted) continue;
        granted.push({ ask: a, at: now, wentOut: null, releasedStep: null, step: n });
        grantedNow.set(contactKeyOf(a), (grantedNow.get(contactKeyOf(a)) ?? 0) + 1);
      }
      // Only the contenders (one per shopper) ever take a hold.
      const contenders = new Set(contendingAsks(asks).map((a) => a.sendId));
      for (const a of asks) if (decided.get(a.sendId)!.takes) expect(contenders.has(a.sendId)).toBe(true);
      for (const [key, n] of grantedNow) if (key.startsWith('ruled')) expect(n).toBe(1);
      // A shopper's first ask is capped only while an earlier message still holds them.
      for (const a of contendingAsks(asks)) {
        if (decided.get(a.sendId)!.granted) continue;
        const holder = granted.find(
          (g) =>
            contactKeyOf(g.ask) === contactKeyOf(a) &&
            g.step < n &&
            g.releasedStep === null &&
            now < Math.max(g.at, g.wentOut?.at ?? 0) + MIN_HOURS[a.storeId] * HOUR,
        );
        expect(holder).toBeDefined();
      }
    } else {
      const open = granted.filter((g) => g.wentOut === null && g.releasedStep === null);
      if (open.length === 0) continue;
      const g = open[step.pick % open.length];
      if (step.reached) g.wentOut = { step: n, at: now };
      else g.releasedStep = n;
      const key = contactKeyOf(g.ask);
      const hold = holds.get(key);
      if (!hold) continue;
      const next = settleHold(hold, { sendId: g.ask.sendId, reached: step.reached, at }, MIN_HOURS[g.ask.storeId]);
      if (next === null) holds.delete(key);
      else if (next) holds.set(key, next);
    }
  }
  return granted;
}

describe('the frequency rule over random histories', () => {
  it('where the rule applies, a shopper hears again only after the window of the last message that reached them or may still', () => {
    fc.assert(
      fc.property(fc.array(stepArb, { maxLength: 40 }), (steps) => {
        const granted = run(steps).filter((g) => g.ask.storeId === 'ruled');
        for (let j = 0; j < granted.length; j++) {
          for (let i = 0; i < j; i++) {
            const [earlier, later] = [granted[i], granted[j]];
            if (contactKeyOf(earlier.ask) !== contactKeyOf(later.ask)) continue;
            // Its end counts while it still held the shopper: no other message granted since.
            const sameShopper = (o: Granted) => contactKeyOf(o.ask) === contactKeyOf(earlier.ask);
            const heldAt = (step: number) =>
              !granted.some((o, k) => k > i && k < j && sameShopper(o) && o.step <= step);
            // Released before the later one asked: the shopper was never reached by it.
            if (earlier.releasedStep !== null && earlier.releasedStep < later.step && heldAt(earlier.releasedStep))
              continue;
            const wentOut = earlier.wentOut;
            const extended = wentOut !== null && wentOut.step < later.step && heldAt(wentOut.step);
            const from = extended ? Math.max(earlier.at, wentOut.at) : earlier.at;
            expect(later.at - from).toBeGreaterThanOrEqual(24 * HOUR);
          }
        }
      }),
      { numRuns: 500 },
    );
  });

  it('where the rule is off, every ask goes out', () => {
    fc.assert(
      fc.property(fc.array(stepArb, { maxLength: 40 }), (steps) => {
        const asked = steps.flatMap((s) => (s.kind === 'asks' ? s.asks.filter((a) => a.storeId === 'free') : []));
        expect(run(steps).filter((g) => g.ask.storeId === 'free')).toHaveLength(asked.length);
      }),
      { numRuns: 200 },
    );
  });

  it("a shopper's decisions do not depend on other shoppers' asks or their order", () => {
    const batchArb = fc.array(askArb, { maxLength: 8 });
    fc.assert(
      fc.property(batchArb, fc.integer({ min: 0, max: 48 }), fc.nat(), (raw, holdHours, seed) => {
        const asks: ContactAsk[] = raw.map((a, i) => ({
          storeId: a.storeId,
          phone: a.phone,
          sendId: `${a.storeId}:${a.cart}:${i}`,
          minHoursBetweenMessages: MIN_HOURS[a.storeId],
        }));
        const at = new Date('2026-11-25T10:00:00Z');
        const holds = new Map(
          asks.map((a) => [
            contactKeyOf(a),
            { sendId: 'before', until: new Date(at.getTime() + holdHours * HOUR - 12 * HOUR) },
          ]),
        );
        const all = decideContacts(asks, holds, at);
        const shopper = contactKeyOf(asks[seed % Math.max(1, asks.length)] ?? { storeId: 'ruled', phone: '+1' });
        const own = asks.filter((a) => contactKeyOf(a) === shopper);
        const alone = decideContacts(own, holds, at);
        for (const a of own) expect(all.get(a.sendId)).toEqual(alone.get(a.sendId));
      }),
      { numRuns: 300 },
    );
  });
});
