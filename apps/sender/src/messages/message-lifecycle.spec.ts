// The message lifecycle on its own: each move and what it writes and announces, and a
// property test that the order in which delivery results and status webhooks arrive does not
// change where a message ends nor what is announced.
import fc from 'fast-check';
import type { DeliveryOutcome } from '../whatsapp';
import {
  applyStatus,
  decided,
  decidedOutcome,
  deliveryEnd,
  HistoryEntry,
  MessageStatusView,
  NEVER_TWICE,
  redecided,
  redecidedOutcome,
  restatedOutcome,
  settle,
  SettlingView,
  staleUnknown,
  statusEnd,
  LIMITED_BY_META_REASON,
  releasedFromPacing,
  WebhookStatus,
} from './message-lifecycle';

const at = (s: number) => new Date(1_764_000_000_000 + s * 1000).toISOString();
const names = (h: HistoryEntry[]) => h.map((e) => e.status);
const message = { sendId: 'lola:c1:1', storeId: 'lola', cartId: 'c1' };

describe('status updates', () => {
  const sending: MessageStatusView = {
    state: 'sending',
    wamid: null,
    errorCode: null,
    history: [{ status: 'sending', at: at(0) }],
  };
  const run = (m: MessageStatusView, ...statuses: Array<'sent' | 'delivered' | 'read' | 'failed'>) =>
    statuses.reduce((acc, status, i) => applyStatus(acc, { status, at: at(i + 1), wamid: 'wamid.1' }).next, m);

  it('end at the furthest status whatever their order, each kept once', () => {
    const inOrder = run(sending, 'sent', 'delivered', 'read');
    const shuffled = run(sending, 'read', 'sent', 'delivered', 'delivered', 'read', 'sent');
    expect(inOrder.state).toBe('read');
    expect(shuffled.state).toBe('read');
    expect(names(shuffled.history).sort()).toEqual(['delivered', 'read', 'sending', 'sent']);
    expect(shuffled.wamid).toBe('wamid.1');
  });

  it('say whether a status is news, so it is announced once', () => {
    const sent = applyStatus(sending, { status: 'sent', at: at(1), wamid: 'wamid.1' });
    expect(sent.isNew).toBe(true);
    expect(applyStatus(sent.next, { status: 'sent', at: at(2), wamid: 'wamid.1' }).isNew).toBe(false);
  });

  it('a failed status fails a sent message, not a delivered one, and keeps its code', () => {
    const failed = applyStatus(run(sending, 'sent'), {
      status: 'failed',
      at: at(3),
      wamid: 'wamid.1',
      errorCode: 131049,
    });
    expect(failed.next).toMatchObject({ state: 'failed', errorCode: 131049 });
    expect(failed.next.history[failed.next.history.length - 1]).toEqual({ status: 'failed', at: at(3), code: 131049 });
    expect(run(sending, 'delivered', 'failed').state).toBe('delivered');
  });

  it('settle an unknown send (its answer was lost)', () => {
    expect(run({ ...sending, state: 'unknown' }, 'sent').state).toBe('sent');
  });

  it('leave alone messages that never went out', () => {
    const skipped: MessageStatusView = { state: 'skipped', wamid: null, errorCode: null, history: [] };
    expect(applyStatus(skipped, { status: 'sent', at: at(1), wamid: 'w' })).toEqual({ isNew: false, next: skipped });
  });

  it('announce the status with its code as reason, give the slot back only when it fails the message', () => {
    const update = { status: 'failed' as const, at: at(3), wamid: 'wamid.1', errorCode: 131050 };
    const failed = applyStatus(run(sending, 'sent'), update).next;
    expect(statusEnd(message, update, failed)).toEqual({
      outcome: {
        schemaVersion: 1,
        ...message,
        status: 'failed',
        reason: '131050',
        whatsappMessageId: 'wamid.1',
        at: at(3),
      },
      releasesSlot: true,
      optsOut: true,
      limitedByMeta: false,
    });
    const delivered = applyStatus(run(sending, 'delivered'), update).next;
    expect(statusEnd(message, update, delivered)).toMatchObject({ releasesSlot: false, optsOut: true });
    const read = { status: 'read' as const, at: at(4), wamid: 'wamid.1' };
    expect(statusEnd(message, read, run(sending, 'read'))).toMatchObject({
      outcome: { status: 'read', reason: null },
      releasesSlot: false,
      optsOut: false,
    });
  });

  it('131049 (limited by Meta): a reason of its own, the slot back and the shopper held, unless delivered', () => {
    const update = { status: 'failed' as const, at: at(3), wamid: 'wamid.1', errorCode: 131049 };
    const failed = applyStatus(run(sending, 'sent'), update).next;
    expect(statusEnd(message, update, failed)).toMatchObject({
      outcome: { status: 'failed', reason: LIMITED_BY_META_REASON },
      releasesSlot: true,
      optsOut: false,
      limitedByMeta: true,
    });
    expect(LIMITED_BY_META_REASON).toBe('131049: limited-by-meta');
    const delivered = applyStatus(run(sending, 'delivered'), update).next;
    expect(statusEnd(message, update, delivered)).toMatchObject({ releasesSlot: false, limitedByMeta: false });
  });
});

describe('paced templates (Meta holds the message back)', () => {
  const paced: MessageStatusView = {
    state: 'paced',
    wamid: 'wamid.1',
    errorCode: null,
    history: [
      { status: 'sending', at: at(0) },
      { status: 'paced', at: at(1), reason: 'held_for_quality_assessment' },
    ],
  };
  const sent = { status: 'sent' as const, at: at(5), wamid: 'wamid.1' };

  it("Meta's sent releases it: announced sent, and said released only on the way out of paced", () => {
    const { isNew, next } = applyStatus(paced, sent);
    expect(isNew).toBe(true);
    expect(next.state).toBe('sent');
    expect(releasedFromPacing('paced', next.state)).toBe(true);
    expect(releasedFromPacing('sent', 'delivered')).toBe(false);
    expect(releasedFromPacing('paced', 'failed')).toBe(false);
    // A delivered that overtook the sent releases it too.
    expect(releasedFromPacing('paced', applyStatus(paced, { ...sent, status: 'delivered' }).next.state)).toBe(true);
  });

  it('released while the store was closed: the outcome says so, the slot stays taken', () => {
    const { next } = applyStatus(paced, sent);
    expect(statusEnd(message, sent, next, { releasedWhileClosed: true })).toMatchObject({
      outcome: { status: 'sent', reason: 'released-after-closing', whatsappMessageId: 'wamid.1' },
      releasesSlot: false,
    });
    expect(statusEnd(message, sent, next).outcome.reason).toBeNull();
  });

  it('dropped by Meta (failed): failed, the slot back', () => {
    const update = { status: 'failed' as const, at: at(5), wamid: 'wamid.1', errorCode: 132015 };
    const { next } = applyStatus(paced, update);
    expect(next.state).toBe('failed');
    expect(statusEnd(message, update, next)).toMatchObject({ outcome: { status: 'failed' }, releasesSlot: true });
  });
});

describe('decisions', () => {
  const now = new Date(at(0));

  it('write their first history entry; only a message to send is an intent, only a deferred one keeps its send-due', () => {
    expect(decided({ state: 'sending', reason: null, at: now })).toEqual({
      entries: [{ status: 'sending', at: at(0) }],
      intent: true,
      sendingSince: now,
      keepsSendDue: false,
    });
    expect(decided({ state: 'deferred', reason: 'outside-opening-hours', at: now })).toEqual({
      entries: [{ status: 'deferred', at: at(0), reason: 'outside-opening-hours' }],
      intent: false,
      sendingSince: null,
      keepsSendDue: true,
    });
    expect(decided({ state: 'skipped', reason: 'opted-out', at: now })).toMatchObject({
      intent: false,
      keepsSendDue: false,
    });
  });

  it('decided again: deferred again for the same reason adds no entry, anything else does', () => {
    const previous = { reason: 'store-paused' };
    expect(redecided(previous, { state: 'deferred', reason: 'store-paused', at: now }).entries).toEqual([]);
    expect(redecided(previous, { state: 'deferred', reason: 'outside-opening-hours', at: now }).entries).toEqual([
      { status: 'deferred', at: at(0), reason: 'outside-opening-hours' },
    ]);
    expect(redecided(previous, { state: 'sending', reason: null, at: now })).toMatchObject({
      entries: [{ status: 'sending', at: at(0) }],
      intent: true,
    });
  });
});

describe('what decisions announce', () => {
  const now = new Date(at(0));
  const m = { ...message, at: now };

  it('a skip, an expiry, a deferral or a render failure at once; a message to send only once delivered', () => {
    expect(decidedOutcome({ ...m, state: 'skipped', reason: 'opted-out' })).toEqual({
      schemaVersion: 1,
      ...message,
      status: 'skipped',
      reason: 'opted-out',
      whatsappMessageId: null,
      at: at(0),
    });
    expect(decidedOutcome({ ...m, state: 'deferred', reason: 'outside-opening-hours' })?.status).toBe('deferred');
    expect(decidedOutcome({ ...m, state: 'sending', reason: null })).toBeUndefined();
  });

  it('decided again: a message still deferred was announced already', () => {
    expect(redecidedOutcome({ ...m, state: 'deferred', reason: 'outside-opening-hours' })).toBeUndefined();
    expect(redecidedOutcome({ ...m, state: 'expired', reason: 'not-after-passed' })?.status).toBe('expired');
    expect(redecidedOutcome({ ...m, state: 'sending', reason: null })).toBeUndefined();
  });

  it('a stored message restates its outcome dated by its last step, none while sending or unknown', () => {
    const stored = {
      ...message,
      state: 'read' as const,
      reason: null,
      wamid: 'wamid.1',
      history: [
        { status: 'sending' as const, at: at(0) },
        { status: 'read' as const, at: at(9) },
      ],
    };
    expect(restatedOutcome(stored)).toMatchObject({ status: 'read', whatsappMessageId: 'wamid.1', at: at(9) });
    expect(restatedOutcome({ ...stored, state: 'unknown' })).toBeUndefined();
    expect(restatedOutcome({ ...stored, state: 'sending' })).toBeUndefined();
  });
});

describe('delivery results', () => {
  const now = new Date(at(5));
  const end = (result: DeliveryOutcome['result'], attempts = 1) => deliveryEnd(message, { result, attempts }, now);

  it('accepted: sent with its wamid, announced only if no webhook was first', () => {
    expect(end({ kind: 'accepted', whatsappMessageId: 'wamid.1' })).toEqual({
      settlement: { sendId: message.sendId, state: 'sent', wamid: 'wamid.1', attempts: 1, at: now },
      outcome: {
        schemaVersion: 1,
        ...message,
        status: 'sent',
        reason: null,
        whatsappMessageId: 'wamid.1',
        at: at(5),
      },
      announcedIfMoved: true,
      optsOut: false,
      releasesSlot: false,
      counted: 'sent',
    });
  });

  it("accepted but paced: paced with its wamid and Meta's message_status as reason, announced, the slot kept", () => {
    const got = end({ kind: 'accepted', whatsappMessageId: 'wamid.1', paced: 'held_for_quality_assessment' });
    expect(got).toMatchObject({
      settlement: { state: 'paced', wamid: 'wamid.1', reason: 'held_for_quality_assessment' },
      outcome: { status: 'paced', reason: 'held_for_quality_assessment', whatsappMessageId: 'wamid.1' },
      announcedIfMoved: true,
      releasesSlot: false,
      counted: 'paced',
    });
    expect(end({ kind: 'accepted', whatsappMessageId: 'wamid.2', paced: 'paused' }).outcome?.reason).toBe('paused');
  });

  it('refused for good: failed with the code, the slot back, 131050 opts out', () => {
    const refused = end({ kind: 'permanent', code: 131050, reason: 'stopped marketing', optedOut: true });
    expect(refused).toMatchObject({
      settlement: { state: 'failed', errorCode: 131050, reason: 'stopped marketing' },
      outcome: { status: 'failed', reason: '131050: stopped marketing' },
      announcedIfMoved: false,
      optsOut: true,
      releasesSlot: true,
      counted: 'failed',
    });
    expect(end({ kind: 'permanent', code: 131026, reason: 'undeliverable' }).optsOut).toBe(false);
  });

  it('retries used up: failed as retries-exhausted', () => {
    expect(end({ kind: 'transient', code: 131000, reason: 'server error' }, 8)).toMatchObject({
      settlement: { state: 'failed', errorCode: 131000, reason: 'retries-exhausted: server error', attempts: 8 },
      outcome: { status: 'failed', reason: '131000: retries-exhausted' },
      releasesSlot: true,
    });
  });

  it('ambiguous: unknown, nothing announced, the slot kept (it may have gone out)', () => {
    const ambiguous = end({ kind: 'transient', reason: 'timeout', ambiguous: true }, 2);
    expect(ambiguous).toMatchObject({ settlement: { state: 'unknown', reason: 'timeout' }, counted: 'unknown' });
    expect(ambiguous.outcome).toBeUndefined();
    expect(ambiguous.releasesSlot).toBe(false);
  });

  it('token rejected: deferred store-paused, the store paused', () => {
    expect(end({ kind: 'token-rejected', code: 190, reason: 'expired token' }, 1)).toMatchObject({
      settlement: { state: 'deferred', errorCode: 190, reason: 'store-paused' },
      outcome: { status: 'deferred', reason: 'store-paused' },
      pausesStore: { code: 190, reason: 'expired token' },
      releasesSlot: false,
      counted: 'deferred',
    });
  });
});

describe('settling', () => {
  const intent: SettlingView = {
    state: 'sending',
    reason: null,
    wamid: null,
    errorCode: null,
    attempts: 0,
    history: [{ status: 'sending', at: at(0) }],
    deferredUntil: null,
    sendingSince: at(0),
  };
  const sent = { sendId: message.sendId, state: 'sent' as const, wamid: 'wamid.1', attempts: 2, at: new Date(at(1)) };

  it('moves an intent and appends its entry', () => {
    expect(settle(intent, sent)).toEqual({
      moved: true,
      next: {
        ...intent,
        state: 'sent',
        wamid: 'wamid.1',
        attempts: 2,
        history: [...intent.history, { status: 'sent', at: at(1) }],
      },
    });
  });

  it('never moves a row a webhook moved on, but keeps the wamid and counts the attempts', () => {
    const read = {
      ...intent,
      state: 'read' as const,
      history: [...intent.history, { status: 'read' as const, at: at(1) }],
    };
    expect(settle(read, sent)).toEqual({ moved: false, next: { ...read, wamid: 'wamid.1', attempts: 2 } });
  });

  it('a held message for a paused store loses its times: no intent, no deferral time', () => {
    const held = settle(intent, {
      ...sent,
      state: 'deferred',
      wamid: undefined,
      reason: 'store-paused',
      errorCode: 190,
    });
    expect(held.next).toMatchObject({ state: 'deferred', reason: 'store-paused', errorCode: 190, sendingSince: null });
  });

  it('a send marked unknown after a crash is still settled by its late answer', () => {
    const stale = staleUnknown(new Date(at(600)));
    expect(stale).toEqual({
      state: 'unknown',
      reason: 'no-answer-after-crash',
      entry: { status: 'unknown', at: at(600), reason: 'no-answer-after-crash' },
    });
    const unknown = { ...intent, state: stale.state, reason: stale.reason, history: [...intent.history, stale.entry] };
    expect(settle(unknown, sent).next).toMatchObject({ state: 'sent', reason: null });
  });
});

describe('never twice', () => {
  it('names every guard with the code that holds it', () => {
    expect(Object.keys(NEVER_TWICE)).toEqual(
      expect.arrayContaining(['sendIdOf', 'oneRowPerSendId', 'fence', 'takeOverUncalled', 'markStaleUnknown']),
    );
    for (const where of Object.values(NEVER_TWICE)) expect(where).toMatch(/\S/);
  });
});

// ── Any order, one end ────────────────────────────────────────────────────────────────────

type Row = SettlingView & typeof message;
type Event = { kind: 'answer'; end: DeliveryOutcome } | { kind: 'webhook'; status: WebhookStatus; at: string };

/** What MessageDelivery and WhatsAppWebhooks do with one event: move the row, gather announcements. */
function apply(row: Row, event: Event, announced: string[]): Row {
  if (event.kind === 'answer') {
    const end = deliveryEnd(row, event.end, new Date(at(30)));
    const { moved, next } = settle(row, end.settlement);
    if (end.outcome && (moved || !end.announcedIfMoved)) announced.push(end.outcome.status);
    return { ...row, ...next };
  }
  const update = {
    status: event.status,
    at: event.at,
    wamid: 'wamid.1',
    ...(event.status === 'failed' ? { errorCode: 131049 } : {}),
  };
  const { isNew, next } = applyStatus(row, update);
  if (isNew) announced.push(statusEnd(row, update, next).outcome.status);
  return { ...row, ...next };
}

function runAll(events: Event[]) {
  const announced: string[] = [];
  let row: Row = {
    ...message,
    state: 'sending',
    reason: null,
    wamid: null,
    errorCode: null,
    attempts: 0,
    history: [{ status: 'sending', at: at(0) }],
    deferredUntil: null,
    sendingSince: at(0),
  };
  for (const e of events) row = apply(row, e, announced);
  return {
    state: row.state,
    wamid: row.wamid,
    announced: announced.sort(),
    // An answer-less `unknown` is written only when it comes before the webhook that settles it.
    history: [...new Set(names(row.history).filter((s) => s !== 'unknown'))].sort(),
    entries: names(row.history).filter((s) => s !== 'unknown').length,
  };
}

const WEBHOOK_ORDER: WebhookStatus[] = ['sent', 'failed', 'delivered', 'read'];

const answerArb: fc.Arbitrary<{ end: DeliveryOutcome; wentOut: boolean }> = fc.oneof(
  fc.constant({ end: { result: { kind: 'accepted', whatsappMessageId: 'wamid.1' }, attempts: 1 }, wentOut: true }),
  // Lost answer: Meta may or may not have taken it.
  fc.boolean().map((wentOut) => ({
    end: { result: { kind: 'transient', reason: 'timeout', ambiguous: true }, attempts: 3 },
    wentOut,
  })),
  fc.constant({
    end: { result: { kind: 'permanent', code: 131026, reason: 'undeliverable' }, attempts: 1 },
    wentOut: false,
  }),
  fc.constant({ end: { result: { kind: 'transient', code: 131000, reason: 'error' }, attempts: 8 }, wentOut: false }),
  fc.constant({
    end: { result: { kind: 'token-rejected', code: 190, reason: 'expired' }, attempts: 1 },
    wentOut: false,
  }),
) as fc.Arbitrary<{ end: DeliveryOutcome; wentOut: boolean }>;

// What Meta sends for a message it took: `sent` always, then delivered (maybe read) or failed,
// or even failed after delivered; each status may come several times (Meta retries webhooks).
const webhooksArb = fc
  .record({
    delivered: fc.boolean(),
    read: fc.boolean(),
    failed: fc.boolean(),
    copies: fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 4, maxLength: 4 }),
  })
  .map(({ delivered, read, failed, copies }) => {
    const statuses = WEBHOOK_ORDER.filter(
      (s) =>
        s === 'sent' ||
        (s === 'delivered' && delivered) ||
        (s === 'read' && delivered && read) ||
        (s === 'failed' && failed),
    );
    return statuses.flatMap((status) =>
      Array.from({ length: copies[WEBHOOK_ORDER.indexOf(status)] }, () => ({
        kind: 'webhook' as const,
        status,
        at: at(10 + WEBHOOK_ORDER.indexOf(status)),
      })),
    );
  });

const scenarioArb = fc.record({ answer: answerArb, webhooks: webhooksArb }).chain(({ answer, webhooks }) => {
  const events: Event[] = [{ kind: 'answer', end: answer.end }, ...(answer.wentOut ? webhooks : [])];
  // The canonical order: the answer first, then each status once, in the order Meta sends them.
  const canonical: Event[] = [
    events[0],
    ...WEBHOOK_ORDER.flatMap((s) => {
      const w = events.find((e) => e.kind === 'webhook' && e.status === s);
      return w ? [w] : [];
    }),
  ];
  return fc
    .shuffledSubarray(events, { minLength: events.length, maxLength: events.length })
    .map((shuffled) => ({ canonical, shuffled }));
});

describe('any order of delivery results and status webhooks', () => {
  it('ends in the state, history and announcements of the canonical order, each status announced once', () => {
    fc.assert(
      fc.property(scenarioArb, ({ canonical, shuffled }) => {
        const expected = runAll(canonical);
        const got = runAll(shuffled);
        expect(got).toEqual(expected);
        // Each status at most once in the history and in what was announced.
        expect(new Set(got.announced).size).toBe(got.announced.length);
        expect(got.history.length).toBe(got.entries);
      }),
      { numRuns: 500 },
    );
  });

  it('a paced answer and the webhooks of its release, in any order: the same end, each status announced once', () => {
    const pacedAnswer: Event = {
      kind: 'answer',
      end: { result: { kind: 'accepted', whatsappMessageId: 'wamid.1', paced: 'paused' }, attempts: 1 },
    };
    fc.assert(
      fc.property(
        webhooksArb.chain((webhooks) => {
          const events = [pacedAnswer, ...webhooks];
          return fc.shuffledSubarray(events, { minLength: events.length, maxLength: events.length });
        }),
        (shuffled) => {
          const canonical = runAll([
            pacedAnswer,
            ...WEBHOOK_ORDER.flatMap((s) => shuffled.filter((e) => e.kind === 'webhook' && e.status === s).slice(0, 1)),
          ]);
          const got = runAll(shuffled);
          // The answer may come after Meta released it: then `paced` is neither kept nor announced.
          expect({ state: got.state, wamid: got.wamid }).toEqual({ state: canonical.state, wamid: canonical.wamid });
          expect(got.announced.filter((s) => s !== 'paced')).toEqual(canonical.announced.filter((s) => s !== 'paced'));
          expect(new Set(got.announced).size).toBe(got.announced.length);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('the canonical order itself: an accepted message read ends read, announced sent, delivered, read', () => {
    const events: Event[] = [
      { kind: 'answer', end: { result: { kind: 'accepted', whatsappMessageId: 'wamid.1' }, attempts: 1 } },
      ...(['sent', 'delivered', 'read'] as const).map((status, i) => ({
        kind: 'webhook' as const,
        status,
        at: at(10 + i),
      })),
    ];
    expect(runAll(events)).toMatchObject({
      state: 'read',
      wamid: 'wamid.1',
      announced: ['delivered', 'read', 'sent'],
      history: ['delivered', 'read', 'sending', 'sent'],
    });
  });
});
