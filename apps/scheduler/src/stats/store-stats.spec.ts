import { statsWindow, storeStatsOf } from './store-stats';

describe('store stats', () => {
  const now = new Date('2026-11-25T12:00:00Z');

  it('reads the window: last 30 days by default, RFC 3339, from before to, bounded', () => {
    expect(statsWindow({}, now)).toEqual({ ok: true, from: new Date('2026-10-26T12:00:00Z'), to: now });
    expect(statsWindow({ from: '2026-11-01', to: '2026-11-02T00:00:00+01:00' }, now)).toEqual({
      ok: true,
      from: new Date('2026-11-01T00:00:00Z'),
      to: new Date('2026-11-01T23:00:00Z'),
    });
    expect(statsWindow({ from: 'yesterday' }, now)).toMatchObject({ ok: false });
    expect(statsWindow({ from: '2026-11-03', to: '2026-11-02' }, now)).toMatchObject({ ok: false });
    expect(statsWindow({ from: '2020-01-01', to: '2026-01-01' }, now)).toMatchObject({ ok: false });
  });

  it('adds up skips by reason, revenue per currency and the recovery rates', () => {
    const stats = storeStatsOf({
      storeId: 'lola-shoes',
      from: new Date('2026-11-01T00:00:00Z'),
      to: now,
      counts: {
        abandoned: 8,
        scheduled: 7,
        pending: 1,
        cancelled: 1,
        emitted: 5,
        sent: 4,
        delivered: 3,
        read: 2,
        failed: 1,
        deferred: 0,
        expired: 1,
      },
      skippedByReason: [
        { reason: 'frequency-cap', count: 2 },
        { reason: 'converted', count: 1 },
      ],
      recovered: [
        { currency: 'EUR', count: 2, revenue: '119.80' },
        { currency: 'USD', count: 1, revenue: '10.00' },
      ],
    });
    expect(stats).toMatchObject({
      skipped: { total: 3, byReason: { 'frequency-cap': 2, converted: 1 } },
      recovered: 3,
      recoveredRevenue: { EUR: '119.80', USD: '10.00' },
      recoveryRate: 0.375,
      recoveryRateOfSent: 0.75,
    });
    expect(
      storeStatsOf({
        ...stats,
        from: now,
        to: now,
        counts: { ...stats, abandoned: 0, sent: 0 } as never,
        skippedByReason: [],
        recovered: [],
      }).recoveryRate,
    ).toBe(0);
  });
});
