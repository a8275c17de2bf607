import type { MessageOutcome } from '@lib/contracts';
import { holdSettlements, summarizeOutcomes } from './outcome-summary';

const base = { schemaVersion: 1 as const, storeId: 'lola-shoes', cartId: 'c1' };
const outcome = (sendId: string, status: MessageOutcome['status'], at: string, reason?: string): MessageOutcome => ({
  ...base,
  sendId,
  status,
  at,
  reason: reason ?? null,
});

describe('outcomes', () => {
  it('keeps the first time of each status whatever the order, and drops duplicate skips', () => {
    const [s] = summarizeOutcomes([
      outcome('a', 'read', '2026-11-25T08:05:00Z'),
      outcome('a', 'sent', '2026-11-25T08:00:01Z'),
      outcome('a', 'delivered', '2026-11-25T08:00:03Z'),
      outcome('a', 'sent', '2026-11-25T08:00:09Z'),
      outcome('a', 'skipped', '2026-11-25T08:01:00Z', 'duplicate'),
    ]);
    expect(s).toMatchObject({
      send_id: 'a',
      sent_at: '2026-11-25T08:00:01.000Z',
      delivered_at: '2026-11-25T08:00:03.000Z',
      read_at: '2026-11-25T08:05:00.000Z',
      skipped_at: null,
    });
  });

  it('a paced message: when Meta held it back, and when it released it while the store was closed', () => {
    const [released, open, dropped] = summarizeOutcomes([
      outcome('a', 'paced', '2026-11-25T08:00:01Z', 'held_for_quality_assessment'),
      outcome('a', 'sent', '2026-11-25T23:10:00Z', 'released-after-closing'),
      outcome('a', 'delivered', '2026-11-25T23:10:02Z'),
      outcome('b', 'paced', '2026-11-25T08:00:01Z', 'paused'),
      outcome('b', 'sent', '2026-11-25T09:00:00Z'),
      outcome('c', 'paced', '2026-11-25T08:00:01Z', 'paused'),
      outcome('c', 'failed', '2026-11-26T08:00:00Z', '132015'),
    ]);
    expect(released).toMatchObject({
      paced_at: '2026-11-25T08:00:01.000Z',
      sent_at: '2026-11-25T23:10:00.000Z',
      released_after_closing_at: '2026-11-25T23:10:00.000Z',
    });
    expect(open).toMatchObject({ paced_at: '2026-11-25T08:00:01.000Z', released_after_closing_at: null });
    expect(dropped).toMatchObject({ paced_at: '2026-11-25T08:00:01.000Z', failed_at: '2026-11-26T08:00:00.000Z' });
    // Held back is not out: the hold stays until Meta releases or drops it.
    expect(holdSettlements(summarizeOutcomes([outcome('d', 'paced', '2026-11-25T08:00:01Z', 'paused')]))).toEqual([]);
  });

  it("keeps Meta's latest pricing of a message, whatever the order", () => {
    const priced = (status: MessageOutcome['status'], at: string, billable: boolean, category: string) => ({
      ...outcome('a', status, at),
      pricing: { billable, category, type: 'regular' },
    });
    const [s] = summarizeOutcomes([
      priced('delivered', '2026-11-25T08:00:03Z', false, 'marketing_lite'),
      priced('sent', '2026-11-25T08:00:01Z', true, 'marketing'),
      outcome('a', 'read', '2026-11-25T08:00:09Z'),
    ]);
    expect(s).toMatchObject({
      billable: false,
      pricing_category: 'marketing_lite',
      priced_at: '2026-11-25T08:00:03.000Z',
    });
    expect(summarizeOutcomes([outcome('b', 'sent', '2026-11-25T08:00:01Z')])[0]).toMatchObject({
      billable: null,
      pricing_category: null,
    });
  });

  it('a message that went out holds the phone from then; one that did not lets the hold go', () => {
    const summaries = summarizeOutcomes([
      outcome('a', 'delivered', '2026-11-25T08:00:03Z'),
      outcome('b', 'failed', '2026-11-25T08:00:00Z', '131026'),
      outcome('c', 'skipped', '2026-11-25T08:00:00Z', 'converted'),
      outcome('d', 'deferred', '2026-11-25T08:00:00Z'),
    ]);
    expect(summaries.find((s) => s.send_id === 'b')?.failed_reason).toBe('131026');
    expect(holdSettlements(summaries)).toEqual([
      { storeId: 'lola-shoes', sendId: 'a', wentOut: true, at: '2026-11-25T08:00:03.000Z' },
      { storeId: 'lola-shoes', sendId: 'b', wentOut: false, at: '2026-11-25T08:00:00.000Z' },
      { storeId: 'lola-shoes', sendId: 'c', wentOut: false, at: '2026-11-25T08:00:00.000Z' },
    ]);
  });
});
