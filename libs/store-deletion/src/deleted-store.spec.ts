import { deletedStoreVerdict } from './index';

const DAY = 86_400_000;
const now = Date.parse('2026-12-07T03:00:00Z');

describe('deletedStoreVerdict', () => {
  const grace = { deletedStoreDays: 30 };

  it('lets every row of a store go once its deletion is the grace old, not a moment sooner', () => {
    expect(deletedStoreVerdict({ deletedAt: now - 31 * DAY }, now, grace)).toEqual({ purge: true });
    expect(deletedStoreVerdict({ deletedAt: now - 30 * DAY }, now, grace)).toEqual({ purge: true });
    expect(deletedStoreVerdict({ deletedAt: now - 30 * DAY + 1 }, now, grace)).toEqual({ purge: false, keep: 'grace' });
    expect(deletedStoreVerdict({ deletedAt: now - 29 * DAY }, now, grace)).toEqual({ purge: false, keep: 'grace' });
  });

  it('keeps a store not deleted, or PUT again (its deletion cleared), whatever its age', () => {
    expect(deletedStoreVerdict({ deletedAt: null }, now, grace)).toEqual({ purge: false, keep: 'not-deleted' });
  });

  it('counts the grace in RETENTION_DELETED_STORE_DAYS', () => {
    expect(deletedStoreVerdict({ deletedAt: now - 2 * DAY }, now, { deletedStoreDays: 1 })).toEqual({ purge: true });
    expect(deletedStoreVerdict({ deletedAt: now - 2 * DAY }, now, { deletedStoreDays: 3 })).toEqual({
      purge: false,
      keep: 'grace',
    });
  });
});
