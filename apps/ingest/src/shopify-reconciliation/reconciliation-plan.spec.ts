import {
  afterPage,
  decideStore,
  lagSeconds,
  nextRequest,
  PollState,
  QueryCost,
  throttledWaitMs,
  waitForPoints,
} from './reconciliation-plan';

const policy = { lookbackMs: 24 * 3600_000, overlapMs: 5 * 60_000, pageSize: 50 };
const now = new Date('2026-12-07T10:00:00.000Z');
const cost = (currentlyAvailable: number, requestedQueryCost = 100, restoreRate = 50): QueryCost => ({
  requestedQueryCost,
  actualQueryCost: null,
  throttleStatus: { maximumAvailable: 1000, currentlyAvailable, restoreRate },
});

describe('reconciliation plan', () => {
  it('a first pass reaches back the lookback (minus the overlap) and starts with abandoned checkouts', () => {
    const { state, request } = nextRequest({ since: null, pass: null }, now, policy);
    expect(request).toEqual({
      resource: 'abandonedCheckouts',
      search: "updated_at:>='2026-12-06T09:55:00.000Z'",
      first: 50,
      after: null,
    });
    expect(state.pass).toMatchObject({ startedAt: now.toISOString(), cursor: null });
  });

  it('pages by endCursor, then orders, and only a pass read to its end moves since (to its start)', () => {
    let state: PollState = { since: '2026-12-07T09:45:00.000Z', pass: null };
    const first = nextRequest(state, now, policy);
    expect(first.request.search).toBe("updated_at:>='2026-12-07T09:40:00.000Z'");
    state = afterPage(first.state, { hasNextPage: true, endCursor: 'c1' }).state;
    // Later requests of the same pass keep its window, whatever the clock says.
    const second = nextRequest(state, new Date('2026-12-07T10:03:00Z'), policy);
    expect(second.request).toMatchObject({ resource: 'abandonedCheckouts', after: 'c1', search: first.request.search });
    let step = afterPage(second.state, { hasNextPage: false, endCursor: 'c2' });
    expect(step).toMatchObject({ done: false, state: { since: '2026-12-07T09:45:00.000Z' } });
    expect(nextRequest(step.state, now, policy).request).toMatchObject({ resource: 'orders', after: null });
    step = afterPage(step.state, { hasNextPage: false, endCursor: null });
    expect(step).toEqual({ done: true, state: { since: now.toISOString(), pass: null } });
  });

  it('a page saying hasNextPage without a cursor ends that connection rather than loop', () => {
    const { state } = nextRequest({ since: null, pass: null }, now, policy);
    expect(afterPage(state, { hasNextPage: true, endCursor: null }).state.pass).toMatchObject({ resource: 'orders' });
    expect(() => afterPage({ since: null, pass: null }, { hasNextPage: false, endCursor: null })).toThrow();
  });

  it('waits for the missing points at the restore rate (Shopify: 50 points/s on a 1,000 bucket)', () => {
    expect(waitForPoints(cost(1000))).toBe(0);
    expect(waitForPoints(cost(100))).toBe(0);
    expect(waitForPoints(cost(40))).toBe(1200); // 60 points at 50/s
    expect(waitForPoints(cost(0, 2000))).toBe(20_000); // dearer than the bucket: a full bucket
    expect(waitForPoints(cost(0, 100, 0))).toBe(60_000);
    expect(throttledWaitMs(cost(90))).toBe(1000); // 10 points: 200 ms, but a throttled query waits 1 s at least
    expect(throttledWaitMs(cost(0, 500, 100))).toBe(5000);
    expect(throttledWaitMs(undefined)).toBe(1000);
  });

  it('lag is the age of since; a store never polled counts from its lookback', () => {
    expect(lagSeconds({ since: '2026-12-07T09:45:00.000Z', pass: null }, now, policy)).toBe(900);
    expect(lagSeconds({ since: null, pass: null }, now, policy)).toBe(86_400);
  });

  it('polls when due; a refused token pauses the store until another token is saved', () => {
    expect(decideStore({ nextPollAt: null, pausedToken: null }, 'fp1', now)).toBe('poll');
    expect(decideStore({ nextPollAt: '2026-12-07T10:05:00Z', pausedToken: null }, 'fp1', now)).toBe('not-due');
    expect(decideStore({ nextPollAt: '2026-12-07T09:59:59Z', pausedToken: null }, 'fp1', now)).toBe('poll');
    expect(decideStore({ nextPollAt: null, pausedToken: 'fp1' }, 'fp1', now)).toBe('paused');
    expect(decideStore({ nextPollAt: '2026-12-07T11:00:00Z', pausedToken: 'fp1' }, 'fp2', now)).toBe('poll');
  });
});
