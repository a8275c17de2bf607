const DAY_MS = 86_400_000;

/** RETENTION_DELETED_STORE_DAYS: the grace after a store's deletion before its rows go. */
export interface StoreDeletionPolicy {
  deletedStoreDays: number;
}

export type DeletedStoreVerdict = { purge: true } | { purge: false; keep: 'not-deleted' | 'grace' };

/**
 * Every row of a store deleted (a `store-settings` tombstone) `deletedStoreDays` ago or more
 * may go, whatever its own state or age: a deleted store is messaged no more (the scheduler
 * plans none of its carts, the sender skips its send-dues as unknown-store), so nothing waits
 * on its rows. Within the grace everything stays, so a store PUT again (which clears
 * `deletedAt`) finds it all. Both services' purges ask this (what each deletes:
 * docs/data-lifecycle.md, "Deleted stores").
 */
export function deletedStoreVerdict(
  store: { deletedAt: number | null },
  now: number,
  policy: StoreDeletionPolicy,
): DeletedStoreVerdict {
  if (store.deletedAt === null) return { purge: false, keep: 'not-deleted' };
  return store.deletedAt <= now - policy.deletedStoreDays * DAY_MS ? { purge: true } : { purge: false, keep: 'grace' };
}
