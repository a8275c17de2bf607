/**
 * A local stand-in for the Shopify Admin GraphQL API, for the reconciliation poll's tests
 * (docs/shopify-simulator.md). It answers `POST /admin/api/<version>/graphql.json` for the two
 * queries the poll makes, `abandonedCheckouts` and `orders`, in Shopify's response shapes:
 * `edges { cursor node }`, `pageInfo { hasNextPage endCursor }`, `extensions.cost` with the
 * leaky bucket's `throttleStatus`, `THROTTLED` errors when the bucket is short, and 401 for a
 * token it does not know (or revoked). Shops are told apart by their access token.
 */
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type Node = Record<string, unknown> & { id: string; updatedAt: string };

export interface ShopOptions {
  /** `lola.myshopify.com`; for the record only (the token names the shop). */
  domain: string;
  accessToken: string;
  checkouts?: Node[];
  orders?: Node[];
}

export interface BucketOptions {
  /** Points the bucket holds (Shopify's standard: 1,000 at 50/s; 2,000 at 100/s on newer plans). */
  maximumAvailable: number;
  restoreRate: number;
  /** Cost of one node of a page (the poll's nodes carry a line-item connection). */
  costPerNode: number;
}

export interface AdminRequest {
  shop: string | undefined;
  connection: string | undefined;
  variables: Record<string, unknown>;
  outcome: 'page' | 'throttled' | 'unauthorized' | 'bad-request';
  at: number;
}

export interface ShopifyAdminSimulator {
  url: string;
  requests: AdminRequest[];
  /** Adds or replaces checkouts (by id) of a shop. */
  putCheckouts(domain: string, nodes: Node[]): void;
  putOrders(domain: string, nodes: Node[]): void;
  /** The next `n` requests of the shop are answered THROTTLED, as if its bucket were nearly empty. */
  throttleNext(domain: string, n: number): void;
  /** The shop's token stops working (401), as when the merchant uninstalls the app. */
  revoke(domain: string): void;
  close(): Promise<void>;
}

interface Shop {
  domain: string;
  accessToken: string;
  revoked: boolean;
  checkouts: Map<string, Node>;
  orders: Map<string, Node>;
  available: number;
  at: number;
  forcedThrottles: number;
}

const DEFAULT_BUCKET: BucketOptions = { maximumAvailable: 1000, restoreRate: 50, costPerNode: 2 };

export async function startShopifyAdminSimulator(
  shops: ShopOptions[],
  bucketOptions: Partial<BucketOptions> = {},
): Promise<ShopifyAdminSimulator> {
  const bucket = { ...DEFAULT_BUCKET, ...bucketOptions };
  const byDomain = new Map<string, Shop>();
  for (const s of shops) {
    byDomain.set(s.domain, {
      domain: s.domain,
      accessToken: s.accessToken,
      revoked: false,
      checkouts: new Map((s.checkouts ?? []).map((n) => [n.id, n])),
      orders: new Map((s.orders ?? []).map((n) => [n.id, n])),
      available: bucket.maximumAvailable,
      at: Date.now(),
      forcedThrottles: 0,
    });
  }
  const requests: AdminRequest[] = [];
  const shopOf = (domain: string) => {
    const shop = byDomain.get(domain);
    if (!shop) throw new Error(`no shop ${domain} in the simulator`);
    return shop;
  };

  const server: Server = createServer((req, res) => {
    void handle(req, res).catch((e: Error) => send(res, 500, { errors: [{ message: e.message }] }));
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readBody(req);
    if (req.method !== 'POST' || !/^\/admin\/api\/(\d{4}-\d{2}|unstable)\/graphql\.json$/.test(req.url ?? '')) {
      return send(res, 404, { errors: 'Not Found' });
    }
    const token = req.headers['x-shopify-access-token'];
    const shop = [...byDomain.values()].find((s) => s.accessToken === token && !s.revoked);
    let doc: { query?: unknown; variables?: Record<string, unknown> };
    try {
      doc = JSON.parse(body) as typeof doc;
    } catch {
      return send(res, 400, { errors: [{ message: 'Invalid JSON in request body' }] });
    }
    const variables = doc.variables ?? {};
    const query = typeof doc.query === 'string' ? doc.query : '';
    const connection = /\b(abandonedCheckouts|orders)\s*\(/.exec(query)?.[1];
    const record = (outcome: AdminRequest['outcome']) =>
      requests.push({ shop: shop?.domain, connection, variables, outcome, at: Date.now() });
    if (!shop) {
      record('unauthorized');
      // Shopify's answer to a missing, wrong or revoked token.
      return send(res, 401, { errors: '[API] Invalid API key or access token (unrecognized login or wrong password)' });
    }
    if (!connection) {
      record('bad-request');
      return send(res, 200, { errors: [{ message: 'The stand-in answers abandonedCheckouts and orders only' }] });
    }
    const first = Number(variables.first ?? 0);
    if (!Number.isInteger(first) || first < 1 || first > 250) {
      record('bad-request');
      return send(res, 200, { errors: [{ message: 'first must be between 1 and 250' }] });
    }
    refill(shop);
    const requested = 2 + first * bucket.costPerNode;
    if (shop.forcedThrottles > 0 || shop.available < requested) {
      if (shop.forcedThrottles > 0) {
        shop.forcedThrottles -= 1;
        shop.available = Math.min(shop.available, requested / 2);
      }
      record('throttled');
      return send(res, 200, {
        errors: [
          {
            message: 'Throttled',
            extensions: { code: 'THROTTLED', documentation: 'https://shopify.dev/api/usage/rate-limits' },
          },
        ],
        extensions: { cost: costOf(requested, null, shop) },
      });
    }
    const all = [...(connection === 'orders' ? shop.orders : shop.checkouts).values()];
    const since = updatedSince(String(variables.query ?? ''));
    const after = typeof variables.after === 'string' ? decodeCursor(variables.after) : undefined;
    const matching = all
      .filter((n) => since === undefined || Date.parse(n.updatedAt) >= since)
      .sort((a, b) => compareIds(a.id, b.id))
      .filter((n) => after === undefined || compareIds(n.id, after) > 0);
    const pageNodes = matching.slice(0, first);
    const actual = 2 + pageNodes.length * bucket.costPerNode;
    shop.available -= actual;
    record('page');
    send(res, 200, {
      data: {
        [connection]: {
          edges: pageNodes.map((node) => ({ cursor: encodeCursor(node.id), node })),
          pageInfo: {
            hasNextPage: matching.length > pageNodes.length,
            endCursor: pageNodes.length ? encodeCursor(pageNodes[pageNodes.length - 1].id) : null,
          },
        },
      },
      extensions: { cost: costOf(requested, actual, shop) },
    });
  }

  function refill(shop: Shop): void {
    const now = Date.now();
    shop.available = Math.min(bucket.maximumAvailable, shop.available + ((now - shop.at) / 1000) * bucket.restoreRate);
    shop.at = now;
  }

  function costOf(requested: number, actual: number | null, shop: Shop) {
    return {
      requestedQueryCost: requested,
      actualQueryCost: actual,
      throttleStatus: {
        maximumAvailable: bucket.maximumAvailable,
        currentlyAvailable: Math.max(0, Math.floor(shop.available)),
        restoreRate: bucket.restoreRate,
      },
    };
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    putCheckouts: (domain, nodes) => nodes.forEach((n) => shopOf(domain).checkouts.set(n.id, n)),
    putOrders: (domain, nodes) => nodes.forEach((n) => shopOf(domain).orders.set(n.id, n)),
    throttleNext: (domain, n) => {
      shopOf(domain).forcedThrottles += n;
    },
    revoke: (domain) => {
      shopOf(domain).revoked = true;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Shopify search syntax as the poll writes it: `updated_at:>='<ISO time>'` (also `>`). */
function updatedSince(search: string): number | undefined {
  const match = /updated_at:>=?'?([^'\s]+)'?/.exec(search);
  if (!match) return undefined;
  const at = Date.parse(match[1]);
  return Number.isFinite(at) ? at : undefined;
}

/** Ids compare by their numeric tail (`sortKey: ID`). */
function compareIds(a: string, b: string): number {
  const n = (id: string) => BigInt(/(\d+)$/.exec(id)?.[1] ?? '0');
  const d = n(a) - n(b);
  return d < 0n ? -1 : d > 0n ? 1 : 0;
}

/** Opaque to clients, as Shopify's are. */
function encodeCursor(id: string): string {
  return Buffer.from(JSON.stringify({ last_id: id })).toString('base64url');
}

function decodeCursor(cursor: string): string | undefined {
  try {
    const parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { last_id?: unknown };
    return typeof parsed.last_id === 'string' ? parsed.last_id : undefined;
  } catch {
    return undefined;
  }
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

let nextId = 450789469;

/** An `AbandonedCheckout` node as Shopify documents it, the recovery URL carrying the token. */
export function abandonedCheckoutNode(o: {
  token: string;
  updatedAt: Date;
  phone: string;
  titles: string[];
  completedAt?: Date;
  shop?: string;
}): Node {
  const id = nextId++;
  return {
    id: `gid://shopify/AbandonedCheckout/${id}`,
    abandonedCheckoutUrl: `https://${o.shop ?? 'lola.myshopify.com'}/58941506/checkouts/${o.token}/recover?key=k${id}`,
    createdAt: new Date(o.updatedAt.getTime() - 60_000).toISOString(),
    updatedAt: o.updatedAt.toISOString(),
    completedAt: o.completedAt ? o.completedAt.toISOString() : null,
    totalPriceSet: { presentmentMoney: { amount: `${o.titles.length * 10}.0`, currencyCode: 'EUR' } },
    customer: {
      firstName: 'Ana',
      phone: o.phone,
      smsMarketingConsent: {
        marketingState: 'SUBSCRIBED',
        marketingOptInLevel: 'SINGLE_OPT_IN',
        consentUpdatedAt: new Date(o.updatedAt.getTime() - 86_400_000).toISOString(),
        consentCollectedFrom: 'SHOPIFY',
      },
      emailMarketingConsent: null,
    },
    shippingAddress: null,
    billingAddress: null,
    lineItems: {
      edges: o.titles.map((title, i) => ({
        node: {
          title,
          variantTitle: null,
          quantity: 1,
          sku: `SKU-${i}`,
          variant: { id: `gid://shopify/ProductVariant/${1000 + i}` },
          product: { id: `gid://shopify/Product/${2000 + i}` },
          image: null,
          originalUnitPriceSet: { presentmentMoney: { amount: '10.0', currencyCode: 'EUR' } },
        },
      })),
    },
  };
}

/** An `Order` node as Shopify documents it (2026-07+: `checkoutToken`). */
export function orderNode(o: { checkoutToken: string | null; processedAt: Date; updatedAt?: Date }): Node {
  const id = nextId++;
  return {
    id: `gid://shopify/Order/${id}`,
    name: `#${id}`,
    checkoutToken: o.checkoutToken,
    createdAt: o.processedAt.toISOString(),
    processedAt: o.processedAt.toISOString(),
    updatedAt: (o.updatedAt ?? o.processedAt).toISOString(),
    totalPriceSet: { presentmentMoney: { amount: '20.00', currencyCode: 'EUR' } },
    customer: null,
    lineItems: { edges: [] },
  };
}
