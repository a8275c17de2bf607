import fc from 'fast-check';
import { createHmac } from 'node:crypto';
import { shopify, shopifyEventId, verifyShopifyHmac } from './shopify';

// Shaped after Shopify's documented checkout and order webhook payloads (REST, 2024+).
const checkout = {
  id: 450789469,
  token: '07764317703d958b59f681b7fa09f30e',
  cart_token: 'eeafa272cebfd4b22385bc4b645e762c',
  email: 'ana@example.com',
  buyer_accepts_marketing: true,
  created_at: '2026-11-24T18:00:00-05:00',
  updated_at: '2026-11-24T18:03:12-05:00',
  completed_at: null,
  currency: 'USD',
  presentment_currency: 'EUR',
  phone: null,
  customer_locale: 'es-ES',
  line_items: [
    {
      key: '22d5b437b2c315d5163246ba425efa84',
      sku: 'ZAP-42',
      title: 'Zapatillas Lola',
      variant_title: '42',
      price: '59.90',
      quantity: 2,
      variant_id: 447654529,
      product_id: 921728736,
      image_url: '//cdn.shopify.com/s/files/zap42.png',
    },
    { key: 'k2', sku: '', title: 'Calcetines', variant_title: '', price: '5.00', quantity: 1, variant_id: 12 },
  ],
  total_price: '124.80',
  abandoned_checkout_url: 'https://lola.example/1/checkouts/07764317703d958b59f681b7fa09f30e/recover?key=abc',
  customer: {
    id: 1073339470,
    first_name: 'Ana',
    phone: null,
    sms_marketing_consent: { state: 'subscribed', opt_in_level: 'single_opt_in' },
  },
  shipping_address: { first_name: 'Ana', phone: '600 111 222', country_code: 'ES' },
};

const ctx = { storeId: 'lola-shoes', topic: 'checkouts/update', deliveryId: 'd1' };

describe('Shopify adapter', () => {
  it('maps a checkout: token → cartId, line items, totals, shipping phone, recovery URL, SMS consent', () => {
    const out = shopify.translate(checkout, ctx);
    expect(out).toEqual({
      kind: 'event',
      candidate: {
        schemaVersion: 1,
        eventId: 'shopify:checkout:07764317703d958b59f681b7fa09f30e:2026-11-24T23:03:12.000Z',
        type: 'checkout.started',
        occurredAt: '2026-11-24T18:03:12-05:00',
        storeId: 'lola-shoes',
        cartId: '07764317703d958b59f681b7fa09f30e',
        customer: { phone: '600 111 222', firstName: 'Ana', locale: 'es-ES', whatsappOptIn: true },
        items: [
          {
            sku: 'ZAP-42',
            title: 'Zapatillas Lola - 42',
            quantity: 2,
            unitPrice: '59.90',
            imageUrl: 'https://cdn.shopify.com/s/files/zap42.png',
          },
          { sku: '12', title: 'Calcetines', quantity: 1, unitPrice: '5.00' },
        ],
        currency: 'USD',
        total: '124.80',
        recoveryUrl: checkout.abandoned_checkout_url,
        orderId: null,
        consent: [
          {
            channel: 'sms',
            state: 'granted',
            source: 'shopify:customer.sms_marketing_consent',
            optInLevel: 'single_opt_in',
          },
          {
            channel: 'email',
            state: 'granted',
            source: 'shopify:checkout.buyer_accepts_marketing',
            at: checkout.updated_at,
          },
        ],
      },
    });
  });

  it('takes the shopper-facing money of *_set.presentment_money when present', () => {
    const out = shopify.translate(
      { ...checkout, total_price_set: { presentment_money: { amount: '115.00', currency_code: 'EUR' } } },
      ctx,
    );
    expect(out).toMatchObject({ kind: 'event', candidate: { currency: 'EUR', total: '115.00' } });
  });

  it('email marketing consent alone is not WhatsApp consent; SMS unsubscribed is a no', () => {
    const noSms = { ...checkout, customer: { first_name: 'Ana' } };
    expect(shopify.translate(noSms, ctx)).toMatchObject({ candidate: { customer: { whatsappOptIn: false } } });
    const smsFlag = { ...noSms, buyer_accepts_sms_marketing: true, sms_marketing_phone: '+34 611 222 333' };
    expect(shopify.translate(smsFlag, ctx)).toMatchObject({
      candidate: { customer: { phone: '+34 611 222 333', whatsappOptIn: true } },
    });
    const unsubscribed = { ...checkout, customer: { sms_marketing_consent: { state: 'unsubscribed' } } };
    expect(shopify.translate(unsubscribed, ctx)).toMatchObject({ candidate: { customer: { whatsappOptIn: false } } });
  });

  it('an order naming its checkout converts that cart; an order without one is no cart event', () => {
    const order = {
      id: 820982911,
      admin_graphql_api_id: 'gid://shopify/Order/820982911946154508',
      name: '#1001',
      checkout_token: checkout.token,
      created_at: '2026-11-24T19:00:00-05:00',
      processed_at: '2026-11-24T19:00:01-05:00',
      currency: 'EUR',
      total_price: '124.80',
      line_items: [],
    };
    expect(shopify.translate(order, { ...ctx, topic: 'orders/create' })).toMatchObject({
      kind: 'event',
      candidate: {
        type: 'cart.converted',
        cartId: checkout.token,
        orderId: '820982911946154508',
        total: '124.80',
        occurredAt: '2026-11-24T19:00:01-05:00',
      },
    });
    // Without the topic header the payload still says it is an order.
    expect(shopify.translate(order, { ...ctx, topic: undefined })).toMatchObject({
      candidate: { type: 'cart.converted' },
    });
    const pos = { ...order, checkout_token: null };
    expect(shopify.translate(pos, { ...ctx, topic: 'orders/create' })).toMatchObject({ kind: 'ignored' });
  });

  it('a completed checkout is the conversion; unknown topics and shapes are not guessed', () => {
    const done = { ...checkout, completed_at: '2026-11-24T19:00:00-05:00', order_id: 450789469 };
    expect(shopify.translate(done, ctx)).toMatchObject({ candidate: { type: 'cart.converted', orderId: '450789469' } });
    expect(shopify.translate(checkout, { ...ctx, topic: 'products/update' })).toMatchObject({ kind: 'ignored' });
    expect(shopify.translate([1, 2], ctx)).toMatchObject({ kind: 'rejected', reason: 'invalid-shape' });
    expect(shopify.translate(checkout, { ...ctx, storeId: undefined })).toMatchObject({
      kind: 'rejected',
      reason: 'invalid-id',
    });
    expect(shopify.translate({ ...checkout, token: null }, ctx)).toMatchObject({
      kind: 'rejected',
      reason: 'invalid-id',
    });
  });
});

describe('Shopify deduplication: one event id per merchant action', () => {
  const eventIdOf = (payload: object, delivery: Partial<typeof ctx> & Record<string, unknown>) => {
    const out = shopify.translate(payload, { ...ctx, ...delivery });
    return out.kind === 'event' ? out.candidate.eventId : out.kind;
  };

  it('deliveries sharing an X-Shopify-Event-Id (other Webhook-Ids, other topics) make one event id', () => {
    const a = eventIdOf(checkout, { topic: 'checkouts/create', deliveryId: 'wh-1', platformEventId: 'ev-9' });
    const b = eventIdOf(checkout, { topic: 'checkouts/update', deliveryId: 'wh-2', platformEventId: 'ev-9' });
    const retry = eventIdOf(checkout, { topic: 'checkouts/update', deliveryId: 'wh-2', platformEventId: 'ev-9' });
    expect(a).toBe(b);
    expect(retry).toBe(b);
  });

  it('the same checkout state read by the poll (GraphQL time in UTC, no headers) is the same event id', () => {
    const webhook = eventIdOf(checkout, { platformEventId: 'ev-9', deliveryId: 'wh-1' });
    const polled = shopifyEventId({ kind: 'checkout', token: checkout.token, updatedAt: '2026-11-24T23:03:12Z' });
    expect(polled).toBe(webhook);
  });

  it('a newer state of the checkout is another event; without updated_at the Event-Id, else the Webhook-Id, names it', () => {
    const newer = eventIdOf({ ...checkout, updated_at: '2026-11-24T18:05:00-05:00' }, { platformEventId: 'ev-9' });
    expect(newer).not.toBe(eventIdOf(checkout, { platformEventId: 'ev-9' }));
    const undated = { ...checkout, updated_at: undefined };
    expect(eventIdOf(undated, { platformEventId: 'ev-9', deliveryId: 'wh-1' })).toBe('shopify:event:ev-9');
    expect(eventIdOf(undated, { deliveryId: 'wh-1' })).toBe('shopify:delivery:wh-1');
  });

  it('orders by updated_at; X-Shopify-Triggered-At when the payload has none', () => {
    expect(shopify.translate(checkout, { ...ctx, triggeredAt: '2026-11-24T23:09:00.000Z' })).toMatchObject({
      candidate: { occurredAt: checkout.updated_at },
    });
    expect(
      shopify.translate({ ...checkout, updated_at: null }, { ...ctx, triggeredAt: '2026-11-24T23:09:00.000Z' }),
    ).toMatchObject({ candidate: { occurredAt: '2026-11-24T23:09:00.000Z' } });
  });

  it('the webhook headers are read as Shopify names them', () => {
    const headers = { 'x-shopify-event-id': 'ev-9', 'x-shopify-triggered-at': '2026-11-24T23:09:00Z' };
    expect(shopify.webhooks!.eventIdOf!(headers)).toBe('ev-9');
    expect(shopify.webhooks!.triggeredAtOf!(headers)).toBe('2026-11-24T23:09:00Z');
  });
});

describe('Shopify consent evidence', () => {
  const consentOf = (payload: object, topic = 'checkouts/update') => {
    const out = shopify.translate(payload, { ...ctx, topic });
    return out.kind === 'event' ? out.candidate.consent : out.kind;
  };
  const bare = { ...checkout, buyer_accepts_marketing: false, customer: { first_name: 'Ana' } };

  it("the customer's sms_marketing_consent as reported: state, level, time and where it was collected", () => {
    const customer = {
      first_name: 'Ana',
      sms_marketing_consent: {
        state: 'subscribed',
        opt_in_level: 'confirmed_opt_in',
        consent_updated_at: '2026-11-20T10:00:00-05:00',
        consent_collected_from: 'SHOPIFY',
      },
      email_marketing_consent: { state: 'unsubscribed', opt_in_level: 'single_opt_in', consent_updated_at: null },
    };
    expect(consentOf({ ...bare, customer })).toEqual([
      {
        channel: 'sms',
        state: 'granted',
        source: 'shopify:customer.sms_marketing_consent',
        at: '2026-11-20T10:00:00-05:00',
        collectedFrom: 'SHOPIFY',
        optInLevel: 'confirmed_opt_in',
      },
      {
        channel: 'email',
        state: 'withdrawn',
        source: 'shopify:customer.email_marketing_consent',
        optInLevel: 'single_opt_in',
      },
    ]);
  });

  it('unsubscribed and redacted are withdrawals; not_subscribed, pending and invalid are no evidence', () => {
    const sms = (state: string) => ({ ...bare, customer: { sms_marketing_consent: { state } } });
    expect(consentOf(sms('unsubscribed'))).toEqual([
      { channel: 'sms', state: 'withdrawn', source: 'shopify:customer.sms_marketing_consent' },
    ]);
    expect(consentOf(sms('redacted'))).toMatchObject([{ state: 'withdrawn' }]);
    for (const state of ['not_subscribed', 'pending', 'invalid']) expect(consentOf(sms(state))).toBeUndefined();
  });

  it("the checkout's boxes when the customer carries no consent, dated by the checkout; an unticked box is nothing", () => {
    expect(consentOf({ ...bare, buyer_accepts_sms_marketing: true, sms_marketing_phone: '+34 611 222 333' })).toEqual([
      {
        channel: 'sms',
        state: 'granted',
        source: 'shopify:checkout.buyer_accepts_sms_marketing',
        at: checkout.updated_at,
      },
    ]);
    expect(consentOf({ ...bare, buyer_accepts_sms_marketing: false })).toBeUndefined();
  });

  it('the deprecated accepts_marketing is not read; orders carry sms_marketing_consent at the top level too', () => {
    expect(consentOf({ ...bare, accepts_marketing: true, customer: { accepts_marketing: true } })).toBeUndefined();
    const order = {
      id: 1,
      checkout_token: checkout.token,
      processed_at: '2026-11-24T19:00:01-05:00',
      line_items: [],
      sms_marketing_consent: { state: 'subscribed', consent_updated_at: '2026-11-24T19:00:00-05:00' },
    };
    expect(consentOf(order, 'orders/create')).toEqual([
      { channel: 'sms', state: 'granted', source: 'shopify:sms_marketing_consent', at: '2026-11-24T19:00:00-05:00' },
    ]);
  });
});

describe('checkouts/delete', () => {
  const deleted = { token: checkout.token, updated_at: checkout.updated_at };
  const del = { ...ctx, topic: 'checkouts/delete', triggeredAt: '2026-11-25T09:00:00Z' };

  it('ends the cart: cart.emptied at the time Shopify stamped the deletion, no customer, no items', () => {
    expect(shopify.translate(deleted, del)).toEqual({
      kind: 'event',
      candidate: {
        schemaVersion: 1,
        eventId: `shopify:checkout:${checkout.token}:deleted`,
        type: 'cart.emptied',
        occurredAt: '2026-11-25T09:00:00Z',
        storeId: 'lola-shoes',
        cartId: checkout.token,
      },
    });
    expect(shopify.topics).toContain('checkouts/delete');
  });

  it("without the header the payload's updated_at dates it; a payload naming only the old numeric id is ignored", () => {
    expect(shopify.translate(deleted, { ...del, triggeredAt: undefined })).toMatchObject({
      candidate: { occurredAt: checkout.updated_at },
    });
    expect(shopify.translate({ id: 450789469 }, del)).toMatchObject({ kind: 'ignored' });
    // Dated like the checkout's last state, the deletion still wins the scheduler's tie (greater id).
    const lastState = shopify.translate(checkout, ctx);
    const deletion = shopify.translate(deleted, { ...del, triggeredAt: undefined });
    if (lastState.kind !== 'event' || deletion.kind !== 'event') throw new Error('both are events');
    expect(String(deletion.candidate.eventId) > String(lastState.candidate.eventId)).toBe(true);
  });
});

describe('verifyShopifyHmac', () => {
  const raw = Buffer.from('{"token": "abc"}');
  const sig = (secret: string) => createHmac('sha256', secret).update(raw).digest('base64');
  it('is valid only for the exact bytes and secret, and says when the header is missing', () => {
    expect(verifyShopifyHmac(raw, { 'x-shopify-hmac-sha256': sig('s') }, 's')).toBe('valid');
    expect(verifyShopifyHmac(raw, { 'x-shopify-hmac-sha256': sig('t') }, 's')).toBe('invalid');
    expect(verifyShopifyHmac(Buffer.from('{"token":"abc"}'), { 'x-shopify-hmac-sha256': sig('s') }, 's')).toBe(
      'invalid',
    );
    expect(verifyShopifyHmac(raw, { 'x-shopify-hmac-sha256': 'short' }, 's')).toBe('invalid');
    expect(verifyShopifyHmac(raw, {}, 's')).toBe('missing');
  });
});

describe('shopify adapter fuzz', () => {
  it('never throws on arbitrary payloads or on documented payloads with any field replaced', () => {
    const topics = fc.constantFrom(
      undefined,
      'checkouts/create',
      'checkouts/update',
      'checkouts/delete',
      'orders/create',
      'carts/update',
    );
    const mutated = fc
      .tuple(fc.constantFrom(...Object.keys(checkout)), fc.jsonValue())
      .map(([key, v]) => ({ ...checkout, [key]: v }));
    fc.assert(
      fc.property(
        fc.oneof(fc.jsonValue(), mutated),
        topics,
        fc.option(fc.constant('lola')),
        (payload, topic, storeId) => {
          const out = shopify.translate(payload, { storeId: storeId ?? undefined, topic, deliveryId: undefined });
          expect(['event', 'ignored', 'rejected']).toContain(out.kind);
        },
      ),
      { numRuns: 500 },
    );
  });
});
