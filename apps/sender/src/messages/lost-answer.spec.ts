import { matchLostAnswers, type AwaitingId } from './lost-answer';

const called = new Date('2026-12-07T10:00:00.000Z');
const at = (ms: number) => new Date(called.getTime() + ms).toISOString();
const ana: AwaitingId = { sendId: 'lola:c1:1', phone: '+34600111222', calledAt: called };

describe('matchLostAnswers', () => {
  it('takes a status of an unknown id for the one message awaiting an id to that recipient', () => {
    const matched = matchLostAnswers(
      [
        { wamid: 'wamid.A', phone: '+34600111222', at: at(2_000) },
        { wamid: 'wamid.A', phone: '+34600111222', at: at(9_000) }, // its delivered, same id
      ],
      [ana, { sendId: 'lola:c2:1', phone: '+34600999888', calledAt: called }],
    );
    expect([...matched]).toEqual([['wamid.A', 'lola:c1:1']]);
  });

  it('matches nothing for another recipient, a status without a phone, or one outside the window', () => {
    expect(matchLostAnswers([{ wamid: 'w', phone: '+34600000000', at: at(1_000) }], [ana]).size).toBe(0);
    expect(matchLostAnswers([{ wamid: 'w', at: at(1_000) }], [ana]).size).toBe(0);
    expect(matchLostAnswers([{ wamid: 'w', phone: ana.phone, at: at(-61_000) }], [ana]).size).toBe(0);
    expect(matchLostAnswers([{ wamid: 'w', phone: ana.phone, at: at(15 * 60_000 + 1) }], [ana]).size).toBe(0);
    // Clocks apart by under a minute, and late within the window: still taken.
    expect(matchLostAnswers([{ wamid: 'w', phone: ana.phone, at: at(-30_000) }], [ana]).size).toBe(1);
    expect(matchLostAnswers([{ wamid: 'w', phone: ana.phone, at: at(14 * 60_000) }], [ana]).size).toBe(1);
  });

  it('matches nothing when two messages to that recipient await an id (two stores, one phone)', () => {
    const other: AwaitingId = { ...ana, sendId: 'shoes:c9:1' };
    expect(matchLostAnswers([{ wamid: 'w', phone: ana.phone, at: at(1_000) }], [ana, other]).size).toBe(0);
  });

  it('trusts neither of two different ids naming one message (one is another app’s message)', () => {
    const matched = matchLostAnswers(
      [
        { wamid: 'wamid.ours', phone: ana.phone, at: at(1_000) },
        { wamid: 'wamid.inbox', phone: ana.phone, at: at(2_000) },
      ],
      [ana],
    );
    expect(matched.size).toBe(0);
  });
});
