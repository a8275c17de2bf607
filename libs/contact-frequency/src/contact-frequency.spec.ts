import {
  contactKeyOf,
  contendingAsks,
  decideContacts,
  frequencyRuleApplies,
  heldBackByLastMessage,
  holdInForce,
  holdsBack,
  holdUntil,
  settleHold,
  type ContactAsk,
  type FrequencyHold,
} from './index';

const AT = new Date('2026-11-25T10:00:00.000Z');
const hours = (n: number) => n * 3_600_000;
const later = (h: number) => new Date(AT.getTime() + hours(h));

function ask(sendId: string, patch: Partial<ContactAsk> = {}): ContactAsk {
  return { storeId: 'lola-shoes', phone: '+34600111222', sendId, minHoursBetweenMessages: 24, ...patch };
}
const key = contactKeyOf(ask('x'));

describe('the contact key', () => {
  it('is the same shopper for the same phone at the same store, whatever the cart', () => {
    expect(contactKeyOf(ask('a'))).toBe(contactKeyOf(ask('b')));
    expect(contactKeyOf(ask('a'))).not.toBe(contactKeyOf(ask('a', { storeId: 'other' })));
    expect(contactKeyOf(ask('a'))).not.toBe(contactKeyOf(ask('a', { phone: '+34600111223' })));
    // Parts that could run into each other with a printable separator stay apart.
    expect(contactKeyOf({ storeId: 'a:b', phone: 'c' })).not.toBe(contactKeyOf({ storeId: 'a', phone: 'b:c' }));
  });
});

describe('the window', () => {
  it('holds for the store minimum; 0 means no rule', () => {
    expect(holdUntil(AT, 24)).toEqual(later(24));
    expect(holdUntil(AT, 0)).toEqual(AT);
    expect(frequencyRuleApplies(24)).toBe(true);
    expect(frequencyRuleApplies(0)).toBe(false);
  });

  it('a hold keeps other messages back until it ends, never its own message', () => {
    const hold: FrequencyHold = { sendId: 'first', until: later(24) };
    expect(holdsBack(hold, 'second', later(23.99))).toBe(true);
    expect(holdsBack(hold, 'second', later(24))).toBe(false); // ends at `until`
    expect(holdsBack(hold, 'first', later(1))).toBe(false);
    expect(holdsBack(undefined, 'second', AT)).toBe(false);
  });

  it('a hold is in force until its end, in dates or epoch ms (the retention purges read it so)', () => {
    expect(holdInForce(later(24), later(23.99))).toBe(true);
    expect(holdInForce(later(24), later(24))).toBe(false);
    expect(holdInForce(later(24).getTime(), later(25).getTime())).toBe(false);
  });

  it('reads the last message with the store minimum of now, and not when it is 0', () => {
    const last = { sendId: 'first', at: AT };
    expect(heldBackByLastMessage(last, 'second', later(23), 24)).toBe(true);
    expect(heldBackByLastMessage(last, 'second', later(24), 24)).toBe(false);
    expect(heldBackByLastMessage(last, 'first', later(23), 24)).toBe(false);
    expect(heldBackByLastMessage(last, 'second', later(23), 0)).toBe(false);
    expect(heldBackByLastMessage(undefined, 'second', later(23), 24)).toBe(false);
  });
});

describe('contendingAsks', () => {
  it('keeps the first ask of each shopper, sorted by contact key (lock order)', () => {
    const asks = [ask('b1', { phone: '+2' }), ask('a1', { phone: '+1' }), ask('b2', { phone: '+2' })];
    expect(contendingAsks(asks).map((a) => a.sendId)).toEqual(['a1', 'b1']);
  });
});

describe('decideContacts', () => {
  it('grants a free shopper and takes the hold for the store minimum', () => {
    expect(decideContacts([ask('first')], new Map(), AT).get('first')).toEqual({
      granted: true,
      takes: { sendId: 'first', until: later(24) },
    });
  });

  it('one message per shopper per batch: the later ones are frequency-capped', () => {
    const decided = decideContacts([ask('first'), ask('second'), ask('other', { phone: '+1' })], new Map(), AT);
    expect(decided.get('first')!.granted).toBe(true);
    expect(decided.get('second')).toEqual({ granted: false, takes: null });
    expect(decided.get('other')!.granted).toBe(true);
  });

  it('caps a shopper held by another message, grants once the hold ended or when it is its own', () => {
    const holds = new Map([[key, { sendId: 'first', until: later(24) }]]);
    expect(decideContacts([ask('second')], holds, later(23)).get('second')).toEqual({ granted: false, takes: null });
    expect(decideContacts([ask('second')], holds, later(24)).get('second')).toEqual({
      granted: true,
      takes: { sendId: 'second', until: later(48) },
    });
    expect(decideContacts([ask('first')], holds, later(1)).get('first')).toEqual({
      granted: true,
      takes: { sendId: 'first', until: later(25) },
    });
    // Asking again at the same instant changes nothing.
    expect(decideContacts([ask('first')], holds, AT).get('first')).toEqual({ granted: true, takes: null });
  });

  it('where the rule is off every message goes; the first records itself if nothing holds the shopper', () => {
    const off = (sendId: string) => ask(sendId, { minHoursBetweenMessages: 0 });
    const free = decideContacts([off('first'), off('second')], new Map(), AT);
    expect(free.get('first')).toEqual({ granted: true, takes: { sendId: 'first', until: AT } });
    expect(free.get('second')).toEqual({ granted: true, takes: null });
    // A hold taken while the rule was on stays, and holds no one back now.
    const holds = new Map([[key, { sendId: 'before', until: later(24) }]]);
    expect(decideContacts([off('third')], holds, later(1)).get('third')).toEqual({ granted: true, takes: null });
  });
});

describe('settleHold', () => {
  const hold: FrequencyHold = { sendId: 'first', until: later(24) };

  it('a message that went out holds its shopper from when it went out, never less', () => {
    expect(settleHold(hold, { sendId: 'first', reached: true, at: later(2) }, 24)).toEqual({
      sendId: 'first',
      until: later(26),
    });
    expect(settleHold(hold, { sendId: 'first', reached: true, at: later(-1) }, 24)).toEqual(hold);
  });

  it('a message that never reached the shopper releases the hold', () => {
    expect(settleHold(hold, { sendId: 'first', reached: false, at: later(1) }, 24)).toBeNull();
  });

  it('leaves a hold another message took since', () => {
    expect(settleHold(hold, { sendId: 'older', reached: false, at: later(1) }, 24)).toBeUndefined();
    expect(settleHold(hold, { sendId: 'older', reached: true, at: later(1) }, 24)).toBeUndefined();
  });
});
