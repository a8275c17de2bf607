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
