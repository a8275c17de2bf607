import { shopify } from '../platforms/shopify';
import { checkoutTokenOf, pageQuery, polledPayload, readAdminAnswer } from './admin-graphql';

// Shaped after Shopify's documented Admin GraphQL answers (AbandonedCheckout, Order, extensions.cost).
const cost = {
  requestedQueryCost: 112,
  actualQueryCost: 24,
  throttleStatus: { maximumAvailable: 2000, currentlyAvailable: 1976, restoreRate: 100 },
};
const token = '07764317703d958b59f681b7fa09f30e';
const checkoutNode = {
  id: 'gid://shopify/AbandonedCheckout/450789469',
  abandonedCheckoutUrl: `https://lola.myshopify.com/58941506/checkouts/${token}/recover?key=ab12`,
  createdAt: '2026-11-24T23:00:00Z',
  updatedAt: '2026-11-24T23:03:12Z',
  completedAt: null,
  totalPriceSet: { presentmentMoney: { amount: '124.8', currencyCode: 'EUR' } },
  customer: {
    firstName: 'Ana',
    phone: '+34611000111',
    smsMarketingConsent: {
      marketingState: 'SUBSCRIBED',
      marketingOptInLevel: 'SINGLE_OPT_IN',
      consentUpdatedAt: '2026-11-20T10:00:00Z',
      consentCollectedFrom: 'SHOPIFY',
    },
    emailMarketingConsent: null,
  },
  shippingAddress: { firstName: 'Ana', phone: null },
  billingAddress: null,
  lineItems: {
    edges: [
      {
        node: {
          title: 'Zapatillas Lola',
          variantTitle: '42',
          quantity: 2,
          sku: 'ZAP-42',
          variant: { id: 'gid://shopify/ProductVariant/447654529' },
          product: { id: 'gid://shopify/Product/921728736' },
          image: { url: 'https://cdn.shopify.com/s/files/zap42.png' },
          originalUnitPriceSet: { presentmentMoney: { amount: '59.9', currencyCode: 'EUR' } },
        },
      },
    ],
  },
};
const page = (connection: string, nodes: object[], hasNextPage = false, endCursor: string | null = null) => ({
  data: { [connection]: { edges: nodes.map((node) => ({ node })), pageInfo: { hasNextPage, endCursor } } },
  extensions: { cost },
});

describe('Admin GraphQL answers', () => {
  it('reads a page: nodes, pageInfo and the cost', () => {
    expect(
      readAdminAnswer('abandonedCheckouts', 200, page('abandonedCheckouts', [checkoutNode], true, 'eyJs')),
    ).toEqual({
      kind: 'page',
      nodes: [checkoutNode],
      pageInfo: { hasNextPage: true, endCursor: 'eyJs' },
      cost,
    });
  });

  it('THROTTLED with its cost is a wait; 401 and 403 are refusals; 5xx transient; other errors fail', () => {
    const throttled = {
      errors: [
        {
          message: 'Throttled',
          extensions: { code: 'THROTTLED', documentation: 'https://shopify.dev/api/usage/limits' },
        },
      ],
      extensions: {
        cost: { ...cost, actualQueryCost: null, throttleStatus: { ...cost.throttleStatus, currentlyAvailable: 12 } },
      },
    };
    expect(readAdminAnswer('orders', 200, throttled)).toMatchObject({
      kind: 'throttled',
      cost: { requestedQueryCost: 112, throttleStatus: { currentlyAvailable: 12, restoreRate: 100 } },
    });
    expect(readAdminAnswer('orders', 401, { errors: '[API] Invalid API key or access token' })).toEqual({
      kind: 'unauthorized',
      status: 401,
    });
    expect(readAdminAnswer('orders', 403, {})).toMatchObject({ kind: 'unauthorized' });
    expect(readAdminAnswer('orders', 503, 'x')).toMatchObject({ kind: 'failed', transient: true });
    expect(readAdminAnswer('orders', 200, { errors: [{ message: "Field 'x' doesn't exist" }] })).toMatchObject({
      kind: 'failed',
      transient: false,
    });
    expect(readAdminAnswer('orders', 200, { data: {} })).toMatchObject({ kind: 'failed' });
  });

  it('asks each connection with the window and cursor of the plan', () => {
    const body = pageQuery({ resource: 'orders', search: "updated_at:>='x'", first: 50, after: 'c1' });
    expect(body.variables).toEqual({ first: 50, after: 'c1', query: "updated_at:>='x'" });
    expect(body.query).toMatch(/orders\(first: \$first, after: \$after, query: \$query/);
    expect(body.query).toMatch(/checkoutToken/);
    expect(pageQuery({ resource: 'abandonedCheckouts', search: '', first: 1, after: null }).query).toMatch(
      /abandonedCheckouts\(.*\) \{[\s\S]*abandonedCheckoutUrl[\s\S]*pageInfo \{ hasNextPage endCursor \}/,
    );
  });
});

describe('polled nodes as webhook payloads', () => {
  it('the token comes from the recovery URL', () => {
    expect(checkoutTokenOf(checkoutNode.abandonedCheckoutUrl)).toBe(token);
    expect(checkoutTokenOf(`https://lola.example/checkouts/ac/${token}/recover`)).toBe(token);
    expect(checkoutTokenOf('https://lola.example/cart')).toBeUndefined();
    expect(
      polledPayload('abandonedCheckouts', { ...checkoutNode, abandonedCheckoutUrl: 'https://x/' }),
    ).toBeUndefined();
  });

  it('an abandoned checkout translates as its checkouts/update webhook would: same event id, items, consent', () => {
    const polled = polledPayload('abandonedCheckouts', checkoutNode)!;
    expect(polled).toMatchObject({ topic: 'checkouts/update', cartId: token });
    const out = shopify.translate(polled.payload, { storeId: 'lola', topic: polled.topic, deliveryId: undefined });
    expect(out).toEqual({
      kind: 'event',
      candidate: {
        schemaVersion: 1,
        eventId: `shopify:checkout:${token}:2026-11-24T23:03:12.000Z`,
        type: 'checkout.started',
        occurredAt: '2026-11-24T23:03:12Z',
        storeId: 'lola',
        cartId: token,
        customer: { phone: '+34611000111', firstName: 'Ana', whatsappOptIn: true },
        items: [
          {
            sku: 'ZAP-42',
            title: 'Zapatillas Lola - 42',
            quantity: 2,
            unitPrice: '59.9',
            imageUrl: 'https://cdn.shopify.com/s/files/zap42.png',
          },
        ],
        currency: 'EUR',
        total: '124.8',
        recoveryUrl: checkoutNode.abandonedCheckoutUrl,
        orderId: null,
        consent: [
          {
            channel: 'sms',
            state: 'granted',
            source: 'shopify:customer.sms_marketing_consent',
            at: '2026-11-20T10:00:00Z',
            collectedFrom: 'SHOPIFY',
            optInLevel: 'single_opt_in',
          },
        ],
      },
    });
  });

  it('the event id is the one the webhook of the same state makes (REST writes the time with an offset)', () => {
    const polled = polledPayload('abandonedCheckouts', checkoutNode)!;
    const fromPoll = shopify.translate(polled.payload, { storeId: 'lola', topic: polled.topic, deliveryId: undefined });
    const fromWebhook = shopify.translate(
      { ...polled.payload, updated_at: '2026-11-24T18:03:12-05:00' },
      { storeId: 'lola', topic: 'checkouts/update', deliveryId: 'wh-1', platformEventId: 'ev-1' },
    );
    expect(fromPoll.kind === 'event' && fromPoll.candidate.eventId).toBe(
      fromWebhook.kind === 'event' && fromWebhook.candidate.eventId,
    );
  });

  it('a completed checkout converts; an order with checkoutToken converts its cart as orders/create would', () => {
    const done = polledPayload('abandonedCheckouts', { ...checkoutNode, completedAt: '2026-11-24T23:30:00Z' })!;
    expect(
      shopify.translate(done.payload, { storeId: 'lola', topic: done.topic, deliveryId: undefined }),
    ).toMatchObject({
      candidate: { type: 'cart.converted' },
    });
    const order = {
      id: 'gid://shopify/Order/820982911946154508',
      name: '#1001',
      checkoutToken: token,
      createdAt: '2026-11-25T00:00:00Z',
      processedAt: '2026-11-25T00:00:01Z',
      updatedAt: '2026-11-25T00:10:00Z',
      totalPriceSet: { presentmentMoney: { amount: '124.80', currencyCode: 'EUR' } },
      customer: null,
      lineItems: { edges: [] },
    };
    const polled = polledPayload('orders', order)!;
    expect(polled).toMatchObject({ topic: 'orders/create', cartId: token });
    expect(
      shopify.translate(polled.payload, { storeId: 'lola', topic: polled.topic, deliveryId: undefined }),
    ).toMatchObject({
      kind: 'event',
      candidate: {
        eventId: 'shopify:order:820982911946154508',
        type: 'cart.converted',
        orderId: '820982911946154508',
        total: '124.80',
        currency: 'EUR',
        occurredAt: '2026-11-25T00:00:01Z',
      },
    });
    expect(polledPayload('orders', { ...order, checkoutToken: null })).toBeUndefined();
  });
});
