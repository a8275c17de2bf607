import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  cartEventContract,
  cartKey,
  decodeMessageOutcomesRecord,
  isOptOut,
  optOutKey,
  shopperKey,
  dlqTopicOf,
  allTopics,
  topicReplication,
  MAX_RECORD_BYTES,
  jsonSchemaDocuments,
  messageOutcomeContract,
  customerOptedOutContract,
  sendDueContract,
  storeSettingsContract,
  withDefaults,
  StoreSettingsSchema,
  withoutSecrets,
  StoreSettings,
  erasureRequestContract,
  erasureCompletionContract,
  erasureRequestKey,
  erasureCompletionKey,
  erasureCompletionRecord,
  recoveryLinkContract,
  linkClickContract,
} from './index';

// Examples of every contract, as the platforms and the services exchange them.
const cartEvent = {
  schemaVersion: 1,
  eventId: 'evt_7f3a',
  type: 'cart.updated',
  occurredAt: '2026-11-24T18:03:12.123Z',
  storeId: 'lola-shoes',
  cartId: 'c_8812',
  customer: { phone: '+34 600 111 222', firstName: 'Ana', locale: 'es-ES', whatsappOptIn: true },
  items: [
    {
      sku: 'ZAP-42',
      title: 'Zapatillas Lola',
      quantity: 1,
      unitPrice: '59.90',
      imageUrl: 'https://lola.example/img/zap42.jpg',
    },
  ],
  currency: 'EUR',
  total: '59.90',
  recoveryUrl: 'https://lola.example/cart/recover/8812',
  orderId: null,
};

const settings = {
  storeId: 'lola-shoes',
  name: 'Zapatería Lola',
  enabled: true,
  timezone: 'Europe/Madrid',
  defaultCountry: 'ES',
  locale: 'es',
  openingHours: {
    mon: [
      ['09:00', '14:00'],
      ['16:00', '20:00'],
    ],
    tue: [
      ['09:00', '14:00'],
      ['16:00', '20:00'],
    ],
    wed: [
      ['09:00', '14:00'],
      ['16:00', '20:00'],
    ],
    thu: [
      ['09:00', '14:00'],
      ['16:00', '20:00'],
    ],
    fri: [
      ['09:00', '14:00'],
      ['16:00', '20:00'],
    ],
    sat: [['10:00', '14:00']],
    sun: [],
  },
  closedDates: ['2026-12-25', '2027-01-01'],
  abandonAfterMinutes: 30,
  sendDelayMinutes: 60,
  maxDeferralHours: 72,
  minHoursBetweenMessages: 24,
  whatsapp: {
    phoneNumberId: '106540352242922',
    accessToken: 'write-only secret',
    mode: 'template',
    templateName: 'cart_reminder',
    templateLanguage: 'es',
  },
};

describe('contracts', () => {
  it('accepts the documented cart event and rejects bad ones with a reason code', () => {
    expect(cartEventContract.check(cartEvent).ok).toBe(true);
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ schemaVersion: 2 }, 'unknown-schema-version'],
      [{ type: 'cart.exploded' }, 'unknown-type'],
      [{ storeId: 'lola shoes' }, 'invalid-id'],
      [{ cartId: '' }, 'invalid-id'],
      [{ total: 59.9 }, 'invalid-money'],
      [{ total: '59,90' }, 'invalid-money'],
      [{ items: [{ ...cartEvent.items[0], unitPrice: '1e3' }] }, 'invalid-money'],
      [{ occurredAt: '2026-11-24 18:03' }, 'invalid-time'],
      [{ recoveryUrl: 'http://lola.example/cart' }, 'invalid-shape'],
      [{ items: [{ sku: 'x', title: 'y', quantity: 0, unitPrice: '1.00' }] }, 'invalid-shape'],
    ];
    for (const [patch, reason] of cases) {
      const result = cartEventContract.check({ ...cartEvent, ...patch });
      expect(result).toMatchObject({ ok: false, reason });
    }
  });

  it('decodes bytes: not JSON and too large are their own reasons', () => {
    expect(cartEventContract.decode(Buffer.from('{nope'))).toMatchObject({ ok: false, reason: 'not-json' });
    expect(cartEventContract.decode(null)).toMatchObject({ ok: false, reason: 'not-json' });
    const big = Buffer.alloc(1024 * 1024 + 1, 0x20);
    expect(cartEventContract.decode(big)).toMatchObject({ ok: false, reason: 'too-large' });
    expect(cartEventContract.decode(Buffer.from(JSON.stringify(cartEvent)))).toMatchObject({ ok: true });
  });

  it('accepts the documented store settings, fills defaults and hides the token', () => {
    expect(storeSettingsContract.check(settings)).toMatchObject({ ok: true });
    const { abandonAfterMinutes: _a, sendDelayMinutes: _s, closedDates: _c, ...partial } = settings;
    const filled = withDefaults(StoreSettingsSchema, partial) as StoreSettings;
    expect(filled.abandonAfterMinutes).toBe(30);
    expect(filled.sendDelayMinutes).toBe(60);
    expect(filled.closedDates).toEqual([]);
    expect(storeSettingsContract.check(filled).ok).toBe(true);
    const shown = withoutSecrets(settings as unknown as StoreSettings);
    expect(JSON.stringify(shown)).not.toContain('write-only secret');
    expect(shown.whatsapp.accessTokenSet).toBe(true);
    expect(storeSettingsContract.check({ ...settings, sendDelayMinutes: 91 }).ok).toBe(false);
    expect(
      storeSettingsContract.check({ ...settings, openingHours: { ...settings.openingHours, mon: [['9:00', '14:00']] } })
        .ok,
    ).toBe(false);
  });

  it('builds every shared key in one place: carts, opt-outs, shoppers', () => {
    expect(cartKey('lola-shoes', 'c-1')).toBe('lola-shoes:c-1');
    expect(optOutKey('lola-shoes', '+34600111222')).toBe('lola-shoes:+34600111222');
    // A map key: two stores' shoppers with one phone stay apart, and no id can forge another's.
    expect(shopperKey('lola-shoes', '+34600111222')).not.toBe(shopperKey('lola-shoes:', '+34600111222'));
    expect(shopperKey('a', 'b')).toBe('a\u0000b');
  });

  it("takes a phone number's throughput limit from 1 to 1,000 messages per second, whole", () => {
    const withLimit = (throughputPerSecond: unknown) =>
      storeSettingsContract.check({ ...settings, whatsapp: { ...settings.whatsapp, throughputPerSecond } }).ok;
    expect(withLimit(1000)).toBe(true);
    expect(withLimit(80)).toBe(true);
    expect(withLimit(1001)).toBe(false);
    expect(withLimit(0)).toBe(false);
    expect(withLimit(2.5)).toBe(false);
    expect(withLimit('80')).toBe(false);
  });

  it('carries a platform webhook secret that no shown copy contains', () => {
    const settings = withDefaults(StoreSettingsSchema, {
      storeId: 'lola-shoes',
      name: 'Zapatería Lola',
      timezone: 'Europe/Madrid',
      defaultCountry: 'ES',
      locale: 'es',
      openingHours: { mon: [], tue: [], wed: [], thu: [], fri: [], sat: [], sun: [] },
      whatsapp: { phoneNumberId: '106540352242922', accessToken: 'EAAG-write-only', mode: 'text' },
      shopify: { webhookSecret: 'shpss_write_only' },
    }) as StoreSettings;
    expect(storeSettingsContract.check(settings).ok).toBe(true);
    const shown = withoutSecrets(settings);
    expect(JSON.stringify(shown)).not.toMatch(/shpss_write_only|EAAG-write-only/);
    expect(shown.shopify).toEqual({ webhookSecretSet: true });
    expect(withoutSecrets({ ...settings, shopify: undefined }).shopify).toBeUndefined();
    // Too short to be a real secret, or a field the section does not have: refused.
    expect(storeSettingsContract.check({ ...settings, shopify: { webhookSecret: 'short' } }).ok).toBe(false);
    expect(storeSettingsContract.check({ ...settings, shopify: { webhookSecret: 'shpss_write_only', x: 1 } }).ok).toBe(
      false,
    );
  });

  it('tells outcomes from opt-outs on message-outcomes with one decoder, and refuses what is neither', () => {
    const optOut = {
      schemaVersion: 1,
      type: 'customer.opted-out',
      storeId: 's',
      phone: '+34600111222',
      at: '2026-11-25T08:00:00Z',
    };
    const sent = {
      schemaVersion: 1,
      sendId: 'sd_1',
      storeId: 's',
      cartId: 'c_1',
      status: 'sent',
      at: '2026-11-25T08:00:01Z',
    };
    const read = (v: unknown) => decodeMessageOutcomesRecord(Buffer.from(JSON.stringify(v)));
    const a = read(optOut);
    const b = read(sent);
    expect(a).toMatchObject({ ok: true, value: { type: 'customer.opted-out' } });
    expect(b).toMatchObject({ ok: true, value: { status: 'sent' } });
    expect(a.ok && isOptOut(a.value)).toBe(true);
    expect(b.ok && isOptOut(b.value)).toBe(false);
    expect(decodeMessageOutcomesRecord(Buffer.from('{nope'))).toMatchObject({ ok: false, reason: 'not-json' });
    expect(read({ ...optOut, phone: '600' })).toMatchObject({ ok: false });
    expect(read({ ...sent, status: 'lost' })).toMatchObject({ ok: false });
  });

  it('accepts send-due, outcome and opt-out examples', () => {
    const sendDue = {
      schemaVersion: 1,
      sendId: 'sd_1',
      storeId: 'lola-shoes',
      cartId: 'c_8812',
      customer: { phone: '+34600111222', firstName: 'Ana', locale: 'es-ES' },
      items: cartEvent.items,
      currency: 'EUR',
      total: '59.90',
      recoveryUrl: cartEvent.recoveryUrl,
      detectedAt: '2026-11-24T18:33:12.123Z',
      dueAt: '2026-11-25T08:00:00.000Z',
      notAfter: '2026-11-27T18:33:12.123Z',
    };
    expect(sendDueContract.check(sendDue).ok).toBe(true);
    expect(sendDueContract.check({ ...sendDue, customer: { phone: '600111222' } }).ok).toBe(false);
    const outcome = {
      schemaVersion: 1,
      sendId: 'sd_1',
      storeId: 'lola-shoes',
      cartId: 'c_8812',
      status: 'sent',
      reason: null,
      whatsappMessageId: 'wamid.X',
      at: '2026-11-25T08:00:01.204Z',
    };
    expect(messageOutcomeContract.check(outcome).ok).toBe(true);
    expect(messageOutcomeContract.check({ ...outcome, status: 'lost' }).ok).toBe(false);
    const optOut = {
      schemaVersion: 1,
      type: 'customer.opted-out',
      storeId: 'lola-shoes',
      phone: '+34600111222',
      at: '2026-11-25T08:10:00Z',
    };
    expect(customerOptedOutContract.check(optOut).ok).toBe(true);
  });

  it('names topics, keys and dead-letter topics as the contract says', () => {
    expect(cartKey('lola-shoes', 'c_8812')).toBe('lola-shoes:c_8812');
    expect(dlqTopicOf('cart-events-raw')).toBe('cart-events-raw-dlq');
    const topics = allTopics('t1.');
    expect(topics).toContainEqual({
      name: 't1.store-settings',
      config: { 'cleanup.policy': 'compact' },
      replicationFactor: 1,
    });
    expect(topics).toContainEqual({
      name: 't1.send-due-dlq',
      config: { 'cleanup.policy': 'delete', 'retention.ms': String(30 * 86_400_000) },
      replicationFactor: 1,
    });
    // Oversize events reach ingest (and its DLQ) to be rejected with a reason.
    for (const raw of ['t1.cart-events-raw', 't1.cart-events-raw-dlq']) {
      const bytes = Number(topics.find((t) => t.name === raw)!.config['max.message.bytes']);
      expect(bytes).toBeGreaterThan(MAX_RECORD_BYTES);
    }
    expect(topics).toHaveLength(18);
  });

  it('gives every topic its cleanup policy and every deleting topic its retention, in days', () => {
    const days = (name: string) =>
      Number(allTopics().find((t) => t.name === name)!.config['retention.ms']) / 86_400_000;
    // Cart events outlive the longest a cart waits: abandonment (24 h) + deferral (336 h), plus recovery.
    expect(days('cart-events-raw')).toBe(22);
    expect(days('cart-events')).toBe(22);
    expect(days('cart-events')).toBeGreaterThan(1 + 336 / 24);
    expect(days('send-due')).toBe(7);
    expect(days('message-outcomes')).toBe(7);
    // An erasure must survive a service down for a while: GDPR gives a month to answer.
    expect(days('erasure-requests')).toBe(30);
    expect(days('erasure-completions')).toBe(30);
    // A link must resolve for as long as a shopper may tap it.
    expect(days('recovery-links')).toBe(30);
    expect(days('link-clicks')).toBe(7);
    for (const t of allTopics('', { brokers: 3 })) {
      if (t.name === 'store-settings') {
        expect(t.config['cleanup.policy']).toBe('compact');
        expect(t.config['retention.ms']).toBeUndefined();
      } else {
        expect([t.name, t.config['cleanup.policy']]).toEqual([t.name, 'delete']);
        if (t.name.endsWith('-dlq')) expect([t.name, days(t.name)]).toEqual([t.name, 30]);
      }
    }
  });

  it('replicates topics 1/1 on one broker and 3 with min.insync.replicas 2 on a cluster', () => {
    expect(topicReplication(1)).toEqual({ replicationFactor: 1, minInSyncReplicas: 1 });
    expect(topicReplication(2)).toEqual({ replicationFactor: 2, minInSyncReplicas: 1 });
    expect(topicReplication(3)).toEqual({ replicationFactor: 3, minInSyncReplicas: 2 });
    expect(topicReplication(5)).toEqual({ replicationFactor: 3, minInSyncReplicas: 2 });
    expect(() => topicReplication(0)).toThrow(/positive integer/);
    // One broker: the configuration is what it always was (the broker's min.insync.replicas is 1).
    expect(allTopics('t1.', { brokers: 1 })).toEqual(allTopics('t1.'));
    expect(allTopics('t1.').every((t) => !('min.insync.replicas' in t.config))).toBe(true);
    const cluster = allTopics('t1.', { brokers: 3 });
    expect(cluster).toHaveLength(18);
    for (const t of cluster) {
      expect(t.replicationFactor).toBe(3);
      expect(t.config['min.insync.replicas']).toBe('2');
    }
    expect(cluster.find((t) => t.name === 't1.store-settings')!.config).toEqual({
      'cleanup.policy': 'compact',
      'min.insync.replicas': '2',
    });
  });

  it('keeps the committed JSON Schema files in step with the TypeBox schemas', () => {
    for (const [name, text] of Object.entries(jsonSchemaDocuments())) {
      const committed = readFileSync(join(__dirname, '../json-schema', `${name}.json`), 'utf8');
      expect(committed).toBe(text); // run `npm run contracts:json-schema` after changing a schema
    }
  });
});

describe('erasure contracts', () => {
  const request = {
    schemaVersion: 1,
    id: '0b5f3f6e-8d8e-4e4b-9a8e-2f1c7d9b6a11',
    phone: '+34600111222',
    storeId: 'lola-shoes',
    requestedAt: '2026-12-07T10:00:00Z',
  };

  it('reads a request for one store or, with storeId null, every store', () => {
    expect(erasureRequestContract.check(request).ok).toBe(true);
    expect(erasureRequestContract.check({ ...request, storeId: null }).ok).toBe(true);
  });

  it('refuses a request without an E.164 phone, a UUID id or a time, with its reason', () => {
    expect(erasureRequestContract.check({ ...request, phone: '600111222' })).toMatchObject({ ok: false });
    expect(erasureRequestContract.check({ ...request, id: 'r1' })).toMatchObject({ ok: false, reason: 'invalid-id' });
    expect(erasureRequestContract.check({ ...request, requestedAt: 'yesterday' })).toMatchObject({
      ok: false,
      reason: 'invalid-time',
    });
    const { storeId: _s, ...withoutStore } = request;
    expect(erasureRequestContract.check(withoutStore).ok).toBe(false);
  });

  it('reads a completion of a known service only', () => {
    const done = { schemaVersion: 1, id: request.id, service: 'sender', completedAt: '2026-12-07T10:00:05Z' };
    expect(erasureCompletionContract.check(done).ok).toBe(true);
    expect(erasureCompletionContract.check({ ...done, service: 'console' }).ok).toBe(false);
  });

  it("keys a shopper's requests by phone and a completion by its request", () => {
    expect(erasureRequestKey('+34600111222')).toBe('+34600111222');
    expect(erasureCompletionKey(request.id)).toBe(request.id);
  });

  it('builds the completion record a service produces: keyed by its request, read by the contract', () => {
    const record = erasureCompletionRecord(request.id, 'scheduler', new Date('2026-12-07T10:00:05Z'));
    expect(record.key).toBe(erasureCompletionKey(request.id));
    expect(erasureCompletionContract.decode(Buffer.from(record.value))).toEqual({
      ok: true,
      value: { schemaVersion: 1, id: request.id, service: 'scheduler', completedAt: '2026-12-07T10:00:05.000Z' },
    });
  });
});

describe('recovery link contracts', () => {
  const link = {
    schemaVersion: 1,
    token: 'AAAAAAAAAAAAAAAA.BBBBBBBBBBBBBBBB',
    sendId: 'lola-shoes:c1:1',
    storeId: 'lola-shoes',
    cartId: 'c1',
    destination: 'https://lola.example/cart/recover/c1?k=1',
    createdAt: '2026-12-07T10:00:00Z',
  };

  it('reads a link, with or without its UTM overrides, and refuses a bad token or an http destination', () => {
    expect(recoveryLinkContract.check(link).ok).toBe(true);
    expect(recoveryLinkContract.check({ ...link, utmCampaign: 'navidad', utmMedium: 'wa' }).ok).toBe(true);
    expect(recoveryLinkContract.check({ ...link, token: 'short.tag' })).toMatchObject({
      ok: false,
      reason: 'invalid-id',
    });
    expect(recoveryLinkContract.check({ ...link, destination: 'http://lola.example/' }).ok).toBe(false);
  });

  it('reads a click with its totals and a known user agent class only', () => {
    const click = {
      schemaVersion: 1,
      sendId: link.sendId,
      storeId: link.storeId,
      cartId: link.cartId,
      firstClickedAt: '2026-12-07T10:01:00Z',
      clickedAt: '2026-12-07T10:05:00Z',
      clicks: 2,
      userAgentClass: 'mobile',
    };
    expect(linkClickContract.check(click).ok).toBe(true);
    expect(linkClickContract.check({ ...click, clicks: 0 }).ok).toBe(false);
    expect(linkClickContract.check({ ...click, userAgentClass: 'bot' }).ok).toBe(false);
  });
});
