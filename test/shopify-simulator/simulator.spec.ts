import { readAdminAnswer } from '../../apps/ingest/src/shopify-reconciliation/admin-graphql';
import { abandonedCheckoutNode, orderNode, ShopifyAdminSimulator, startShopifyAdminSimulator } from './index';

// The stand-in answers in the shapes the poll's reader (readAdminAnswer) takes from Shopify.
let sim: ShopifyAdminSimulator;
const t0 = new Date('2026-12-07T09:00:00Z');
const at = (minutes: number) => new Date(t0.getTime() + minutes * 60_000);

beforeEach(async () => {
  sim = await startShopifyAdminSimulator(
    [
      {
        domain: 'lola.myshopify.com',
        accessToken: 'shpat_lola',
        checkouts: [1, 2, 3].map((i) =>
          abandonedCheckoutNode({ token: `tok0000${i}`, updatedAt: at(i), phone: '+34611000111', titles: ['A'] }),
        ),
        orders: [orderNode({ checkoutToken: 'tok00001', processedAt: at(5) })],
      },
    ],
    { maximumAvailable: 100, restoreRate: 50, costPerNode: 2 },
  );
});
afterEach(() => sim.close());

async function ask(connection: string, variables: Record<string, unknown>, token = 'shpat_lola') {
  const res = await fetch(`${sim.url}/admin/api/2026-10/graphql.json`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-shopify-access-token': token },
    body: JSON.stringify({ query: `query Q { ${connection}(first: $first) { edges { node { id } } } }`, variables }),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

describe('Shopify Admin GraphQL stand-in', () => {
  it('pages by cursor in id order, filtered by updated_at, with the cost of each page', async () => {
    const p1 = await ask('abandonedCheckouts', { first: 2, query: `updated_at:>='${at(2).toISOString()}'` });
    const a1 = readAdminAnswer('abandonedCheckouts', p1.status, p1.body);
    expect(a1).toMatchObject({
      kind: 'page',
      pageInfo: { hasNextPage: false },
      cost: { requestedQueryCost: 6, actualQueryCost: 6, throttleStatus: { maximumAvailable: 100, restoreRate: 50 } },
    });
    expect(a1.kind === 'page' && a1.nodes.map((n) => n.updatedAt)).toEqual([at(2).toISOString(), at(3).toISOString()]);
    const p2 = await ask('abandonedCheckouts', { first: 2 });
    const a2 = readAdminAnswer('abandonedCheckouts', p2.status, p2.body);
    expect(a2).toMatchObject({ kind: 'page', pageInfo: { hasNextPage: true } });
    const cursor = a2.kind === 'page' ? a2.pageInfo.endCursor : null;
    const p3 = await ask('abandonedCheckouts', { first: 2, after: cursor });
    const a3 = readAdminAnswer('abandonedCheckouts', p3.status, p3.body);
    expect(a3.kind === 'page' && a3.nodes.length).toBe(1);
    const orders = await ask('orders', { first: 10 });
    expect(readAdminAnswer('orders', orders.status, orders.body)).toMatchObject({
      kind: 'page',
      nodes: [{ checkoutToken: 'tok00001' }],
    });
  });

  it('answers THROTTLED with the bucket when a query costs more than is available, and refills at the restore rate', async () => {
    const big = await ask('orders', { first: 60 }); // 122 points > a 100-point bucket
    expect(big.status).toBe(200);
    expect(readAdminAnswer('orders', big.status, big.body)).toMatchObject({
      kind: 'throttled',
      cost: { requestedQueryCost: 122, actualQueryCost: null, throttleStatus: { currentlyAvailable: 100 } },
    });
    sim.throttleNext('lola.myshopify.com', 1);
    expect(readAdminAnswer('orders', 200, (await ask('orders', { first: 10 })).body).kind).toBe('throttled');
    await new Promise((r) => setTimeout(r, 300));
    expect(readAdminAnswer('orders', 200, (await ask('orders', { first: 10 })).body).kind).toBe('page');
    expect(sim.requests.map((r) => r.outcome)).toEqual(['throttled', 'throttled', 'page']);
  });

  it('401 for an unknown or revoked token', async () => {
    expect((await ask('orders', { first: 1 }, 'shpat_other')).status).toBe(401);
    sim.revoke('lola.myshopify.com');
    const revoked = await ask('orders', { first: 1 });
    expect(readAdminAnswer('orders', revoked.status, revoked.body)).toEqual({ kind: 'unauthorized', status: 401 });
  });
});
