/**
 * The decisions of the Shopify reconciliation poll, as pure functions of a store's poll state:
 * what to ask the Admin GraphQL API next (which connection, which `updated_at` window, which
 * cursor), where the since-bookmark moves when a pass ends, and how long to wait when the
 * cost-based leaky bucket runs low. No I/O here; the service asks, publishes and persists.
 *
 * A pass reads `abandonedCheckouts`, then `orders`, each updated at or after
 * `since - overlap`, page by page. Only a pass read to its end moves `since` (to the pass's
 * start): a pass cut short (a crash, a 401, a restart) resumes at its saved cursor. The
 * overlap re-reads the last minutes of the previous pass, whose copies the scheduler drops
 * (same event ids, docs/ingest.md): a checkout Shopify indexed a little late is not missed.
 */

export const RESOURCES = ['abandonedCheckouts', 'orders'] as const;
export type Resource = (typeof RESOURCES)[number];

export interface Pass {
  /** When the pass began: the next `since` once it is read to the end. */
  startedAt: string;
  /** Lower bound of this pass's window (`updated_at:>=`), fixed for the whole pass. */
  from: string;
  resource: Resource;
  /** `pageInfo.endCursor` of the last page read, null before the first. */
  cursor: string | null;
}

export interface PollState {
  /** Everything updated before this instant was read; null: the store was never polled. */
  since: string | null;
  pass: Pass | null;
}

export interface PollPolicy {
  /** How far back the first pass of a store reaches. */
  lookbackMs: number;
  /** How much of the previous pass each pass reads again. */
  overlapMs: number;
  /** Nodes per page (`first:`). */
  pageSize: number;
}

export const DEFAULT_OVERLAP_MS = 5 * 60_000;
export const DEFAULT_PAGE_SIZE = 50;

export interface PageRequest {
  resource: Resource;
  /** Shopify search syntax for the `query:` argument. */
  search: string;
  first: number;
  after: string | null;
}

/** The state with a pass under way (a new one when none is), and the page to ask for. */
export function nextRequest(
  state: PollState,
  now: Date,
  policy: PollPolicy,
): { state: PollState; request: PageRequest } {
  let pass = state.pass;
  if (!pass) {
    const since = state.since ? Date.parse(state.since) : now.getTime() - policy.lookbackMs;
    pass = {
      startedAt: now.toISOString(),
      from: new Date(Math.min(since, now.getTime()) - policy.overlapMs).toISOString(),
      resource: RESOURCES[0],
      cursor: null,
    };
  }
  return {
    state: { ...state, pass },
    request: {
      resource: pass.resource,
      search: `updated_at:>='${pass.from}'`,
      first: policy.pageSize,
      after: pass.cursor,
    },
  };
}

/** The state after a page was read and its events acknowledged; `done` when the pass ended. */
export function afterPage(
  state: PollState,
  page: { hasNextPage: boolean; endCursor: string | null },
): { state: PollState; done: boolean } {
  const pass = state.pass;
  if (!pass) throw new Error('afterPage without a pass under way');
  if (page.hasNextPage && page.endCursor) {
    return { state: { ...state, pass: { ...pass, cursor: page.endCursor } }, done: false };
  }
  const next = RESOURCES[RESOURCES.indexOf(pass.resource) + 1];
  if (next) return { state: { ...state, pass: { ...pass, resource: next, cursor: null } }, done: false };
  return { state: { since: pass.startedAt, pass: null }, done: true };
}

/** `extensions.cost` of an Admin GraphQL answer, as Shopify documents it. */
export interface QueryCost {
  requestedQueryCost: number;
  actualQueryCost: number | null;
  throttleStatus: { maximumAvailable: number; currentlyAvailable: number; restoreRate: number };
}

/**
 * How long to wait before a query of `cost.requestedQueryCost` points fits the bucket: the
 * missing points at `restoreRate` points per second (0 when it fits now). A query dearer than
 * the whole bucket waits for a full bucket (Shopify then refuses it: the page size is too big).
 */
export function waitForPoints(cost: QueryCost, requested = cost.requestedQueryCost): number {
  const { maximumAvailable, currentlyAvailable, restoreRate } = cost.throttleStatus;
  const needed = Math.min(requested, maximumAvailable) - currentlyAvailable;
  if (needed <= 0) return 0;
  if (!(restoreRate > 0)) return 60_000;
  return Math.ceil((needed / restoreRate) * 1000);
}

/** After a `THROTTLED` answer: the wait for the query's points, and never less than a second. */
export function throttledWaitMs(cost: QueryCost | undefined): number {
  if (!cost) return 1000;
  return Math.max(1000, waitForPoints(cost));
}

/** How far behind the store's poll is: seconds since the last instant it has read everything up to. */
export function lagSeconds(state: PollState, now: Date, policy: Pick<PollPolicy, 'lookbackMs'>): number {
  const since = state.since ? Date.parse(state.since) : now.getTime() - policy.lookbackMs;
  return Math.max(0, (now.getTime() - since) / 1000);
}

/** What the poll does with a store at a tick. */
export type StoreDecision = 'poll' | 'not-due' | 'paused';

/**
 * A store is polled when its next poll is due, unless Shopify refused its token (401, 403):
 * then it stays paused until the merchant saves another token (`tokenFingerprint`, a digest
 * of the sealed token, differs from the one refused).
 */
export function decideStore(
  store: { nextPollAt: string | null; pausedToken: string | null },
  tokenFingerprint: string,
  now: Date,
): StoreDecision {
  if (store.pausedToken !== null && store.pausedToken === tokenFingerprint) return 'paused';
  if (store.pausedToken !== null) return 'poll';
  if (store.nextPollAt !== null && Date.parse(store.nextPollAt) > now.getTime()) return 'not-due';
  return 'poll';
}
