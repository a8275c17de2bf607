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
        clicked: 1,
        failed: 1,
        deferred: 0,
        expired: 1,
        paced: 1,
        releasedAfterClosing: 1,
        limitedByMeta: 0,
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
  it("counts what the messages cost in messages: billable by Meta's category, and per recovered order", () => {
    const base = {
      storeId: 'lola-shoes',
      from: new Date('2026-11-01T00:00:00Z'),
      to: now,
      counts: { abandoned: 10, sent: 9 } as never,
      skippedByReason: [],
    };
    const stats = storeStatsOf({
      ...base,
      recovered: [
        { currency: 'EUR', count: 3, revenue: '30.00' },
        { currency: 'USD', count: 1, revenue: '10.00' },
      ],
      billable: [
        { category: 'marketing', count: 7 },
        { category: null, count: 1 },
      ],
    });
    expect(stats.cost).toEqual({
      billableMessages: 8,
      billableByCategory: { marketing: 7, unknown: 1 },
      messagesPerRecoveredOrder: 2.25,
      billableMessagesPerRecoveredOrder: 2,
    });
    expect(storeStatsOf({ ...base, recovered: [], billable: [] }).cost).toEqual({
      billableMessages: 0,
      billableByCategory: {},
      messagesPerRecoveredOrder: null,
      billableMessagesPerRecoveredOrder: null,
    });
    expect(storeStatsOf({ ...base, recovered: [] })).not.toHaveProperty('cost');
  });

  it('splits the recovered orders by attribution kind and adds the holdout within each window', () => {
    const base = {
      storeId: 'lola-shoes',
      from: new Date('2026-11-01T00:00:00Z'),
      to: now,
      counts: { abandoned: 10, sent: 5 } as never,
      skippedByReason: [],
      recovered: [{ currency: 'EUR', count: 4, revenue: '40.00' }],
    };
    const stats = storeStatsOf({
      ...base,
      arms: { treated: { carts: 8, converted: 4 }, holdout: { carts: 2, converted: 1 } },
      windows: { clickWindowHours: 72, messageWindowHours: 12 },
      attributed: [
        { kind: 'recovered-after-click', currency: 'EUR', count: 1, revenue: '10.00' },
        { kind: 'recovered-after-message', currency: 'EUR', count: 2, revenue: '25.00' },
        { kind: 'not-attributed', currency: 'EUR', count: 1, revenue: '5.00' },
      ],
      armWindows: {
        click: {
          treated: { carts: 8, converted: 3, revenue: { EUR: '35.00' } },
          holdout: { carts: 2, converted: 0, revenue: {} },
        },
        message: {
          treated: { carts: 8, converted: 2, revenue: { EUR: '25.00' } },
          holdout: { carts: 2, converted: 0, revenue: {} },
        },
      },
    });
    expect(stats.recovered).toBe(4);
    expect(stats.attribution).toEqual({
      clickWindowHours: 72,
      messageWindowHours: 12,
      recoveredAfterClick: { orders: 1, revenue: { EUR: '10.00' } },
      recoveredAfterMessage: { orders: 2, revenue: { EUR: '25.00' } },
      notAttributed: { orders: 1, revenue: { EUR: '5.00' } },
    });
    expect(stats.holdout?.withinWindows?.click).toMatchObject({ hours: 72, treated: { converted: 3 }, tooSmall: true });
    expect(stats.holdout?.withinWindows?.message).toMatchObject({
      hours: 12,
      incremental: { orders: 2, revenue: { EUR: '25.00' } },
    });
    // Without a holdout: no holdout section, the attribution all the same.
    const plain = storeStatsOf({
      ...base,
      arms: null,
      windows: { clickWindowHours: 120, messageWindowHours: 24 },
      attributed: [],
    });
    expect(plain.holdout).toBeUndefined();
    expect(plain.attribution?.recoveredAfterClick).toEqual({ orders: 0, revenue: {} });
  });
});
