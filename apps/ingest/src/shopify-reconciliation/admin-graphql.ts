import type { PageRequest, QueryCost, Resource } from './reconciliation-plan';

/**
 * The two Admin GraphQL queries of the reconciliation poll, how their answers read, and how a
 * node becomes the REST-shaped payload the Shopify adapter reads from webhooks: the poll's
 * events go through the same translation, normalization and event ids as the webhooks'.
 * Pure; the client in `admin-api.client.ts` does the HTTP.
 */

const CONSENT = 'marketingState marketingOptInLevel consentUpdatedAt';
const CUSTOMER = `customer { firstName phone smsMarketingConsent { ${CONSENT} consentCollectedFrom } emailMarketingConsent { ${CONSENT} } }`;
const MONEY = 'presentmentMoney { amount currencyCode }';
const LINE = `title variantTitle quantity sku variant { id } product { id } image { url } originalUnitPriceSet { ${MONEY} }`;
const ADDRESS = 'firstName phone';

const QUERIES: Record<Resource, string> = {
  abandonedCheckouts: `query Reconcile($first: Int!, $after: String, $query: String) {
  abandonedCheckouts(first: $first, after: $after, query: $query, sortKey: ID) {
    edges { node { id abandonedCheckoutUrl createdAt updatedAt completedAt
      totalPriceSet { ${MONEY} } ${CUSTOMER}
      shippingAddress { ${ADDRESS} } billingAddress { ${ADDRESS} }
      lineItems(first: 100) { edges { node { ${LINE} } } } } }
    pageInfo { hasNextPage endCursor }
  }
}`,
  orders: `query Reconcile($first: Int!, $after: String, $query: String) {
  orders(first: $first, after: $after, query: $query, sortKey: ID) {
    edges { node { id name checkoutToken createdAt processedAt updatedAt
      totalPriceSet { ${MONEY} } ${CUSTOMER}
      lineItems(first: 100) { edges { node { ${LINE} } } } } }
    pageInfo { hasNextPage endCursor }
  }
}`,
};

/** The request body of one page. */
export function pageQuery(request: PageRequest): { query: string; variables: Record<string, unknown> } {
  return {
    query: QUERIES[request.resource],
    variables: { first: request.first, after: request.after, query: request.search },
  };
}

export type AdminAnswer =
  | {
      kind: 'page';
      nodes: Json[];
      pageInfo: { hasNextPage: boolean; endCursor: string | null };
      cost: QueryCost | undefined;
    }
  | { kind: 'throttled'; cost: QueryCost | undefined }
  | { kind: 'unauthorized'; status: number }
  | { kind: 'failed'; why: string; transient: boolean };

type Json = Record<string, unknown>;

/**
 * An HTTP answer of the Admin GraphQL API. 401 (token revoked or wrong) and 403 (scope or
 * permission missing) are refusals of the store's access; a `THROTTLED` error (HTTP 200, or
 * 429 from the REST-era limiter) is a wait; 5xx is transient; other errors are failures.
 */
export function readAdminAnswer(resource: Resource, status: number, body: unknown): AdminAnswer {
  if (status === 401 || status === 403) return { kind: 'unauthorized', status };
  const doc = isObject(body) ? body : {};
  const cost = costOf(doc);
  const errors = Array.isArray(doc.errors) ? doc.errors.filter(isObject) : [];
  if (status === 429 || errors.some((e) => isObject(e.extensions) && e.extensions.code === 'THROTTLED')) {
    return { kind: 'throttled', cost };
  }
  if (status >= 500) return { kind: 'failed', why: `HTTP ${status}`, transient: true };
  if (status !== 200) return { kind: 'failed', why: `HTTP ${status}`, transient: false };
  if (errors.length) {
    const why = errors.map((e) => String(e.message ?? 'error')).join('; ');
    return { kind: 'failed', why: `GraphQL: ${why}`.slice(0, 500), transient: false };
  }
  const data = isObject(doc.data) ? doc.data : {};
  const connection = isObject(data[resource]) ? (data[resource] as Json) : undefined;
  if (!connection) return { kind: 'failed', why: `no ${resource} in the answer`, transient: false };
  const edges = Array.isArray(connection.edges) ? connection.edges.filter(isObject) : [];
  const info = isObject(connection.pageInfo) ? connection.pageInfo : {};
  return {
    kind: 'page',
    nodes: edges.map((e) => e.node).filter(isObject),
    pageInfo: {
      hasNextPage: info.hasNextPage === true,
      endCursor: typeof info.endCursor === 'string' ? info.endCursor : null,
    },
    cost,
  };
}

function costOf(doc: Json): QueryCost | undefined {
  const ext = isObject(doc.extensions) ? doc.extensions : undefined;
  const cost = ext && isObject(ext.cost) ? ext.cost : undefined;
  const status = cost && isObject(cost.throttleStatus) ? cost.throttleStatus : undefined;
  if (!cost || !status) return undefined;
  const n = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : 0);
  return {
    requestedQueryCost: n(cost.requestedQueryCost),
    actualQueryCost: typeof cost.actualQueryCost === 'number' ? cost.actualQueryCost : null,
    throttleStatus: {
      maximumAvailable: n(status.maximumAvailable),
      currentlyAvailable: n(status.currentlyAvailable),
      restoreRate: n(status.restoreRate),
    },
  };
}

/** A native payload for the Shopify adapter, with the webhook topic it stands for. */
export interface PolledPayload {
  topic: 'checkouts/update' | 'orders/create';
  cartId: string;
  payload: Json;
}

/**
 * The checkout token of an abandoned checkout: GraphQL has no `token` field, but the
 * recovery URL carries it (`…/checkouts/<token>/recover?key=…`, also `…/checkouts/ac/<token>/…`).
 */
export function checkoutTokenOf(abandonedCheckoutUrl: unknown): string | undefined {
  if (typeof abandonedCheckoutUrl !== 'string') return undefined;
  const match = /\/checkouts\/(?:[a-z]{2}\/)?([A-Za-z0-9_-]{8,128})\/recover(?:[/?#]|$)/.exec(abandonedCheckoutUrl);
  return match ? match[1] : undefined;
}

/**
 * A node of either query as the REST payload of the webhook it stands for; undefined when the
 * node names no cart (a checkout URL without a token, an order without `checkoutToken`).
 */
export function polledPayload(resource: Resource, node: Json): PolledPayload | undefined {
  if (resource === 'abandonedCheckouts') {
    const token = checkoutTokenOf(node.abandonedCheckoutUrl);
    if (!token) return undefined;
    return {
      topic: 'checkouts/update',
      cartId: token,
      payload: compact({
        token,
        created_at: node.createdAt,
        updated_at: node.updatedAt,
        completed_at: node.completedAt,
        abandoned_checkout_url: node.abandonedCheckoutUrl,
        ...money(node.totalPriceSet),
        line_items: lineItems(node.lineItems),
        customer: customer(node.customer),
        shipping_address: address(node.shippingAddress),
        billing_address: address(node.billingAddress),
      }),
    };
  }
  const token = typeof node.checkoutToken === 'string' && node.checkoutToken ? node.checkoutToken : undefined;
  if (!token) return undefined;
  return {
    topic: 'orders/create',
    cartId: token,
    payload: compact({
      admin_graphql_api_id: node.id,
      name: node.name,
      checkout_token: token,
      created_at: node.createdAt,
      processed_at: node.processedAt,
      updated_at: node.updatedAt,
      ...money(node.totalPriceSet),
      line_items: lineItems(node.lineItems) ?? [],
      customer: customer(node.customer),
    }),
  };
}

function money(set: unknown): Json {
  const p = isObject(set) && isObject(set.presentmentMoney) ? set.presentmentMoney : undefined;
  if (!p) return {};
  return {
    currency: p.currencyCode,
    total_price: p.amount,
    total_price_set: { presentment_money: { amount: p.amount, currency_code: p.currencyCode } },
  };
}

function lineItems(connection: unknown): Json[] | undefined {
  const edges = isObject(connection) && Array.isArray(connection.edges) ? connection.edges.filter(isObject) : undefined;
  if (!edges) return undefined;
  return edges
    .map((e) => e.node)
    .filter(isObject)
    .map((line) =>
      compact({
        sku: line.sku,
        title: line.title,
        variant_title: line.variantTitle,
        quantity: line.quantity,
        variant_id: gidNumber(isObject(line.variant) ? line.variant.id : undefined),
        product_id: gidNumber(isObject(line.product) ? line.product.id : undefined),
        image_url: isObject(line.image) ? line.image.url : undefined,
        ...priceOf(line.originalUnitPriceSet),
      }),
    );
}

function priceOf(set: unknown): Json {
  const p = isObject(set) && isObject(set.presentmentMoney) ? set.presentmentMoney : undefined;
  return p
    ? { price: p.amount, price_set: { presentment_money: { amount: p.amount, currency_code: p.currencyCode } } }
    : {};
}

/** GraphQL's consent (`SUBSCRIBED`, `SINGLE_OPT_IN`, …) in the REST payload's words. */
function consent(value: unknown): Json | undefined {
  if (!isObject(value)) return undefined;
  const lower = (v: unknown) => (typeof v === 'string' ? v.toLowerCase() : undefined);
  return compact({
    state: lower(value.marketingState),
    opt_in_level: lower(value.marketingOptInLevel),
    consent_updated_at: value.consentUpdatedAt,
    consent_collected_from: value.consentCollectedFrom,
  });
}

function customer(value: unknown): Json | undefined {
  if (!isObject(value)) return undefined;
  return compact({
    first_name: value.firstName,
    phone: value.phone,
    sms_marketing_consent: consent(value.smsMarketingConsent),
    email_marketing_consent: consent(value.emailMarketingConsent),
  });
}

function address(value: unknown): Json | undefined {
  return isObject(value) ? compact({ first_name: value.firstName, phone: value.phone }) : undefined;
}

function gidNumber(value: unknown): string | undefined {
  const match = typeof value === 'string' ? /\/(\d+)$/.exec(value) : null;
  return match ? match[1] : undefined;
}

function compact(o: Json): Json {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined && v !== null));
}

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
