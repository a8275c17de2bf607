// Delivery against the WhatsApp Cloud API simulator (test/whatsapp-simulator), started in this
// process: the wire format, every error class, retries under faults ending in exactly one
// accepted message per send, and the throughput limit checked from the simulator's record.
import { connect, createServer } from 'node:net';
import {
  deliver,
  InFlightSlots,
  RetryPolicy,
  ThroughputLimiter,
  WhatsAppClient,
  type SendRequest,
  type TemplateMessage,
} from '../src/whatsapp';
import { startWhatsAppSimulator, type WhatsAppSimulator } from '../../../test/whatsapp-simulator';
import { WebhookReceiver } from '../../../test/whatsapp-simulator/webhook-receiver';
import { freePort } from '../../../test/support/services';

const PHONE_NUMBER_ID = '106540352242922';
const TOKEN = 'store-token-d41d8cd98f00b204';
const APP_SECRET = 'app-secret';

const reminder: TemplateMessage = {
  type: 'template',
  name: 'cart_reminder',
  languageCode: 'es',
  bodyParameters: ['Ana', 'Zapatería Lola', 'Zapatillas Lola x1'],
  urlButtonParameter: '8812',
  category: 'MARKETING',
};

/** The same template through /messages (no category configured): carries the sendId as callback data. */
const reminderOnMessages: TemplateMessage = { ...reminder, category: undefined };

function sendRequest(i: number, body: SendRequest['body'] = reminderOnMessages): SendRequest {
  return {
    phoneNumberId: PHONE_NUMBER_ID,
    accessToken: TOKEN,
    to: `+34600${String(100_000 + i)}`,
    body,
    bizOpaqueCallbackData: `send-${i}`,
  };
}

describe('WhatsAppClient against the simulator', () => {
  let sim: WhatsAppSimulator;
  let client: WhatsAppClient;

  beforeAll(async () => {
    sim = await startWhatsAppSimulator({
      tokens: { [PHONE_NUMBER_ID]: TOKEN },
      templates: [
        // The time-to-live is the template's, set when it was created (the store's setup step).
        {
          name: 'cart_reminder',
          language: 'es',
          category: 'MARKETING',
          bodyParameters: 3,
          urlButtons: ['0'],
          message_send_ttl_seconds: 43_200,
        },
        { name: 'order_update', language: 'es', category: 'UTILITY', bodyParameters: 1 },
      ],
    });
    client = new WhatsAppClient({
      baseUrl: sim.url,
      graphApiVersion: 'v26.0',
      timeoutMs: 400,
      connections: 4,
      marketing: { productPolicy: 'STRICT' },
    });
  });

  afterEach(() => sim.reset());

  afterAll(async () => {
    await client.close();
    await sim.close();
  });

  it("sends a marketing template to marketing_messages in that route's wire format and gets its wamid", async () => {
    const result = await client.send(sendRequest(1, reminder));
    expect(result).toEqual({ kind: 'accepted', whatsappMessageId: expect.stringMatching(/^wamid\./) });
    const [message] = sim.record.findMessages({ to: '+34600100001' });
    expect(message).toMatchObject({
      wamid: (result as { whatsappMessageId: string }).whatsappMessageId,
      endpoint: 'marketing_messages',
      apiVersion: 'v26.0',
      type: 'template',
      templateName: 'cart_reminder',
      language: 'es',
      waId: '34600100001',
    });
    expect(message.body).toEqual({
      messaging_product: 'whatsapp',
      recipient_type: 'individual',
      to: '34600100001',
      type: 'template',
      template: {
        name: 'cart_reminder',
        language: { code: 'es' },
        components: [
          {
            type: 'body',
            parameters: [
              { type: 'text', text: 'Ana' },
              { type: 'text', text: 'Zapatería Lola' },
              { type: 'text', text: 'Zapatillas Lola x1' },
            ],
          },
          { type: 'button', sub_type: 'url', index: '0', parameters: [{ type: 'text', text: '8812' }] },
        ],
      },
      // Exactly Meta's keys of this route: no biz_opaque_callback_data, no message_send_ttl_seconds
      // (the time-to-live is the template's).
      product_policy: 'STRICT',
    });
  });

  it('131055 (terms not accepted) stops the store; the same template through /messages goes', async () => {
    sim.updateSettings({ marketingTermsNotAccepted: [PHONE_NUMBER_ID] });
    try {
      expect(await client.send(sendRequest(5, reminder))).toMatchObject({ kind: 'token-rejected', code: 131055 });
      expect(await client.send(sendRequest(6, { ...reminder, fallbackToMessages: true }))).toMatchObject({
        kind: 'accepted',
      });
      expect(sim.record.findMessages({ bizOpaqueCallbackData: 'send-6' })[0].endpoint).toBe('messages');
    } finally {
      sim.updateSettings({ marketingTermsNotAccepted: [] });
    }
  });

  it('sends a utility template to messages and a text with link preview', async () => {
    const utility: TemplateMessage = {
      type: 'template',
      name: 'order_update',
      languageCode: 'es',
      bodyParameters: ['x'],
      category: 'UTILITY',
    };
    expect((await client.send(sendRequest(2, utility))).kind).toBe('accepted');
    const text = { type: 'text' as const, body: 'Hola Ana, tu carrito: https://lola.example/cart/recover/8812' };
    expect((await client.send(sendRequest(3, text))).kind).toBe('accepted');
    expect(sim.record.findMessages({ bizOpaqueCallbackData: 'send-2' })[0].endpoint).toBe('messages');
    expect(sim.record.findMessages({ bizOpaqueCallbackData: 'send-3' })[0]).toMatchObject({
      endpoint: 'messages',
      type: 'text',
      body: { type: 'text', text: { preview_url: true, body: text.body }, biz_opaque_callback_data: 'send-3' },
    });
  });

  it('classifies permanent refusals: not on WhatsApp, template errors, bad parameters, re-engagement, opt-out', async () => {
    sim.faults.notOnWhatsApp('+34600100010');
    expect(await client.send(sendRequest(10))).toMatchObject({ kind: 'permanent', code: 131026 });
    expect(await client.send(sendRequest(11, { ...reminder, name: 'no_such_template' }))).toMatchObject({
      kind: 'permanent',
      code: 132001,
    });
    expect(await client.send(sendRequest(12, { ...reminder, bodyParameters: ['only one'] }))).toMatchObject({
      kind: 'permanent',
      code: 132000,
    });
    expect(await client.send(sendRequest(13, { ...reminder, bodyParameters: ['two\nlines', 'b', 'c'] }))).toMatchObject(
      { kind: 'permanent', code: 132018 },
    );
    expect(await client.send({ ...sendRequest(14), to: '12' })).toMatchObject({ kind: 'permanent', code: 100 });
    sim.faults.failNext(1, { kind: 'error', code: 131047 });
    expect(await client.send(sendRequest(15))).toMatchObject({ kind: 'permanent', code: 131047 });
    sim.faults.failNext(1, { kind: 'error', code: 131050 });
    expect(await client.send(sendRequest(16))).toMatchObject({ kind: 'permanent', code: 131050, optedOut: true });
    expect(sim.record.messages).toHaveLength(0);
  });

  it('classifies transient refusals with the pace they ask for', async () => {
    const cases: Array<[number, number | undefined]> = [
      [130429, 1_000],
      [131056, 6_000],
      [80007, 10_000],
      [4, 10_000],
      [131000, undefined],
      [131016, undefined],
      [1, undefined],
      [2, undefined],
    ];
    for (const [code, retryAfterMs] of cases) {
      sim.faults.failNext(1, { kind: 'error', code });
      const result = await client.send(sendRequest(20));
      expect(result).toMatchObject({ kind: 'transient', code });
      expect((result as { retryAfterMs?: number }).retryAfterMs).toBe(retryAfterMs);
      expect((result as { ambiguous?: boolean }).ambiguous).toBeUndefined();
    }
    sim.faults.failNext(1, { kind: 'error', code: 999_999, httpStatus: 502 });
    expect(await client.send(sendRequest(21))).toMatchObject({ kind: 'transient', code: 999_999 });
  });

  it('marks timeouts and dropped connections as ambiguous, and a refused connection as not sent', async () => {
    sim.faults.failNext(1, { kind: 'hang' });
    const started = Date.now();
    expect(await client.send(sendRequest(30))).toEqual({
      kind: 'transient',
      reason: expect.stringContaining('timeout'),
      ambiguous: true,
    });
    expect(Date.now() - started).toBeLessThan(2_000);
    sim.faults.failNext(1, { kind: 'lose-answer' });
    expect(await client.send(sendRequest(31))).toMatchObject({ kind: 'transient', ambiguous: true });
    sim.faults.failNext(1, { kind: 'reset' });
    expect(await client.send(sendRequest(32))).toMatchObject({ kind: 'transient', ambiguous: true });
    // The lost answer was processed: this is why an ambiguous attempt is settled before a retry.
    expect(sim.record.findMessages({ bizOpaqueCallbackData: 'send-31' })).toHaveLength(1);

    const closedPort = await freePort();
    const nowhere = new WhatsAppClient({
      baseUrl: `http://127.0.0.1:${closedPort}`,
      graphApiVersion: 'v23.0',
      timeoutMs: 400,
      connections: 1,
    });
    expect(await nowhere.send(sendRequest(33))).toEqual({ kind: 'transient', reason: 'network: ECONNREFUSED' });
    await nowhere.close();
  });

  it('reports a revoked or wrong token as token-rejected, never echoing the token', async () => {
    sim.faults.revokeToken(TOKEN);
    const revoked = await client.send(sendRequest(40));
    expect(revoked).toMatchObject({ kind: 'token-rejected', code: 190 });
    sim.faults.restoreToken(TOKEN);
    const wrong = await client.send({ ...sendRequest(41), accessToken: 'not-the-token' });
    expect(wrong).toMatchObject({ kind: 'token-rejected', code: 190 });
    for (const code of [10, 200, 368, 131031, 133010]) {
      sim.faults.failNext(1, { kind: 'error', code });
      expect(await client.send(sendRequest(42))).toMatchObject({ kind: 'token-rejected', code });
    }
    expect(JSON.stringify([revoked, wrong])).not.toContain(TOKEN);
    expect(JSON.stringify([revoked, wrong])).not.toContain('not-the-token');
  });

  it('keeps connections alive: many sends over at most `connections` TCP connections', async () => {
    // A TCP relay in front of the simulator counts the connections the client opens.
    let opened = 0;
    const relay = createServer((socket) => {
      opened++;
      const upstream = connect(Number(new URL(sim.url).port), '127.0.0.1');
      socket.pipe(upstream).pipe(socket);
      socket.on('error', () => upstream.destroy());
      upstream.on('error', () => socket.destroy());
    });
    await new Promise<void>((resolve) => relay.listen(0, '127.0.0.1', resolve));
    const { port } = relay.address() as { port: number };
    const relayed = new WhatsAppClient({
      baseUrl: `http://127.0.0.1:${port}`,
      graphApiVersion: 'v23.0',
      timeoutMs: 1_000,
      connections: 2,
    });
    for (let round = 0; round < 5; round++) {
      const results = await Promise.all([0, 1, 2, 3].map((i) => relayed.send(sendRequest(60 + round * 4 + i))));
      expect(results.every((r) => r.kind === 'accepted')).toBe(true);
    }
    expect(opened).toBeGreaterThanOrEqual(1);
    expect(opened).toBeLessThanOrEqual(2);
    await relayed.close();
    await new Promise<void>((resolve) => relay.close(() => resolve()));
  });

  it('uses the configured Graph API version and a base URL with a path', async () => {
    for (const [i, version] of ['v23.0', 'v24.0', 'v25.0', 'v26.0'].entries()) {
      const prefixed = new WhatsAppClient({
        baseUrl: `${sim.url}/`,
        graphApiVersion: version,
        timeoutMs: 400,
        connections: 1,
      });
      expect((await prefixed.send(sendRequest(50 + i, reminder))).kind).toBe('accepted');
      expect(sim.record.attempts.at(-1)).toMatchObject({
        apiVersion: version,
        path: `/${version}/${PHONE_NUMBER_ID}/marketing_messages`,
      });
      await prefixed.close();
    }
  });
});

describe('deliver() against a faulty simulator', () => {
  let sim: WhatsAppSimulator;
  let receiver: WebhookReceiver;

  beforeAll(async () => {
    receiver = await new WebhookReceiver(APP_SECRET).start();
    sim = await startWhatsAppSimulator({
      tokens: { [PHONE_NUMBER_ID]: TOKEN },
      webhooks: { url: receiver.url, appSecret: APP_SECRET, statuses: ['sent'], delaysMs: { sent: 50 } },
    });
  });

  afterAll(async () => {
    await sim.close();
    await receiver.stop();
  });

  it('with 30% of requests refused (429, 5xx, 130429), hung, reset or unanswered, every message ends accepted exactly once', async () => {
    sim.faults.failRandomly({
      probability: 0.3,
      failures: [
        { kind: 'error', code: 4 }, // HTTP 429
        { kind: 'error', code: 131000 }, // 500
        { kind: 'error', code: 131016 }, // 503
        { kind: 'error', code: 130429 },
        { kind: 'hang' },
        { kind: 'reset' },
        { kind: 'lose-answer' },
      ],
    });
    const client = new WhatsAppClient({ baseUrl: sim.url, graphApiVersion: 'v23.0', timeoutMs: 300, connections: 16 });
    const limiter = new ThroughputLimiter({ perSecond: 80 });
    // The sender's pipeline settles from its stored webhooks; here, from the receiver's.
    const settle = async (sendId: string) => {
      for (const webhook of receiver.received) {
        const status = (webhook.body as StatusBody).entry?.[0]?.changes?.[0]?.value?.statuses?.[0];
        if (webhook.signatureValid && status?.biz_opaque_callback_data === sendId) return status.id;
      }
      return undefined;
    };
    const parts = {
      client,
      limiter,
      retryPolicy: new RetryPolicy({ maxAttempts: 12, baseDelayMs: 50, maxDelayMs: 1_000 }),
      settle,
      settleAfterMs: 1_500,
    };

    const outcomes = await Promise.all(Array.from({ length: 120 }, (_, i) => deliver(parts, sendRequest(100 + i))));

    const stats = sim.record.stats();
    expect(stats.outcomes.refused ?? 0).toBeGreaterThan(5);
    expect((stats.outcomes.hung ?? 0) + (stats.outcomes.reset ?? 0)).toBeGreaterThan(3);
    expect(stats.outcomes['answer-lost'] ?? 0).toBeGreaterThan(0);
    outcomes.forEach((outcome, i) => {
      const messages = sim.record.findMessages({ bizOpaqueCallbackData: `send-${100 + i}` });
      expect(messages).toHaveLength(1);
      expect(outcome.result).toEqual({ kind: 'accepted', whatsappMessageId: messages[0].wamid });
    });
    expect(outcomes.some((o) => o.settledFromWebhook)).toBe(true);
    expect(outcomes.some((o) => o.attempts > 1)).toBe(true);
    limiter.close();
    await client.close();
  });

  it('on marketing_messages, with the same faults, no message is ever accepted twice: a lost answer stays ambiguous', async () => {
    sim.reset();
    sim.faults.failRandomly({
      probability: 0.3,
      failures: [
        { kind: 'error', code: 131000 },
        { kind: 'error', code: 130429 },
        { kind: 'hang' },
        { kind: 'reset' },
        { kind: 'lose-answer' },
      ],
    });
    const client = new WhatsAppClient({ baseUrl: sim.url, graphApiVersion: 'v26.0', timeoutMs: 300, connections: 16 });
    const limiter = new ThroughputLimiter({ perSecond: 80 });
    const settle = jest.fn(async () => undefined);
    const parts = {
      client,
      limiter,
      retryPolicy: new RetryPolicy({ maxAttempts: 12, baseDelayMs: 50, maxDelayMs: 1_000 }),
      settle,
      settleAfterMs: 1_500,
    };
    const requests = Array.from({ length: 60 }, (_, i) => sendRequest(700 + i, reminder));
    const outcomes = await Promise.all(requests.map((r) => deliver(parts, r)));
    // Asked once per ambiguous send (nothing to find here), and never followed by another request.
    expect(settle.mock.calls.length).toBeGreaterThan(0);
    let ambiguous = 0;
    outcomes.forEach((outcome, i) => {
      const messages = sim.record.findMessages({ to: requests[i].to });
      expect(messages.length).toBeLessThanOrEqual(1);
      if (outcome.result.kind === 'accepted') {
        expect(outcome.result.whatsappMessageId).toBe(messages[0].wamid);
      } else {
        expect(outcome.result).toMatchObject({ kind: 'transient', ambiguous: true });
        ambiguous++;
      }
    });
    expect(ambiguous).toBeGreaterThan(0);
    limiter.close();
    await client.close();
  });

  it('does not retry a permanent failure', async () => {
    sim.reset();
    sim.faults.notOnWhatsApp('+34600100500');
    const client = new WhatsAppClient({ baseUrl: sim.url, graphApiVersion: 'v23.0', timeoutMs: 300, connections: 1 });
    const limiter = new ThroughputLimiter();
    const outcome = await deliver({ client, limiter, retryPolicy: new RetryPolicy() }, sendRequest(500));
    expect(outcome).toMatchObject({ attempts: 1, result: { kind: 'permanent', code: 131026 } });
    expect(sim.record.findAttempts({ bizOpaqueCallbackData: 'send-500' })).toHaveLength(1);
    limiter.close();
    await client.close();
  });
});

describe('throughput against the simulator with 50 ms latency', () => {
  let sim: WhatsAppSimulator;

  beforeEach(async () => {
    sim = await startWhatsAppSimulator({
      tokens: { [PHONE_NUMBER_ID]: TOKEN },
      latencyMs: 50,
      limits: { throughputPerSecond: 80 },
    });
  });

  afterEach(async () => {
    await sim.close();
  });

  async function burst(
    extra: { slots?: InFlightSlots; beforeAttempt?: () => Promise<void>; maxGrantAgeMs?: number } = {},
  ) {
    const client = new WhatsAppClient({
      baseUrl: sim.url,
      graphApiVersion: 'v23.0',
      timeoutMs: 2_000,
      connections: 32,
    });
    const limiter = new ThroughputLimiter({ perSecond: 80 });
    const parts = { client, limiter, retryPolicy: new RetryPolicy({ maxAttempts: 1 }), ...extra };
    const started = Date.now();
    const outcomes = await Promise.all(Array.from({ length: 200 }, (_, i) => deliver(parts, sendRequest(1_000 + i))));
    const elapsedMs = Date.now() - started;
    limiter.close();
    await client.close();
    return { outcomes, elapsedMs, stats: sim.record.stats() };
  }

  it('a 200-message burst through one phone number id never puts more than 80 into any one-second window', async () => {
    const { outcomes, elapsedMs, stats } = await burst({ slots: new InFlightSlots(32) });
    expect(outcomes.every((o) => o.result.kind === 'accepted')).toBe(true);
    expect(stats.refusedByCode['130429']).toBeUndefined();
    expect(stats.phoneNumbers[PHONE_NUMBER_ID].peakAttemptsPerSecond).toBeLessThanOrEqual(80);
    expect(stats.phoneNumbers[PHONE_NUMBER_ID].accepted).toBe(200);
    // 200 at 76.2/s (80 per 1,050 ms): about 2.6 s.
    expect(elapsedMs).toBeGreaterThanOrEqual(2_500);
    // Not held back far beyond the pace (a loaded CI machine measured 5.2 s).
    expect(elapsedMs).toBeLessThan(8_000);
  });

  it('stays within 80/s when the database stalls between grants and requests', async () => {
    // The first 80 requests wait 200 ms after their grant (beyond the 50 ms margin), the rest
    // none: sent as granted, the late ones meet the next ones in one second (tried: the
    // simulator refused some with 130429). Aged grants are re-taken, so requests leave paced.
    let calls = 0;
    const { outcomes, stats } = await burst({
      slots: new InFlightSlots(32),
      beforeAttempt: () => new Promise((resolve) => setTimeout(resolve, calls++ < 80 ? 200 : 0)),
    });
    expect(outcomes.every((o) => o.result.kind === 'accepted')).toBe(true);
    expect(stats.refusedByCode['130429']).toBeUndefined();
    expect(stats.phoneNumbers[PHONE_NUMBER_ID].peakAttemptsPerSecond).toBeLessThanOrEqual(80);
  });
});

interface StatusBody {
  entry?: Array<{
    changes?: Array<{ value?: { statuses?: Array<{ id: string; biz_opaque_callback_data?: string }> } }>;
  }>;
}
