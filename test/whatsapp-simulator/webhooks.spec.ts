import { createHmac } from 'node:crypto';
import { cartReminder, postMessage } from './graph-client';
import {
  startWhatsAppSimulator,
  verifyWebhookSubscription,
  userIdOf,
  type InboundWebhook,
  type StatusWebhook,
  type WhatsAppSimulator,
} from './index';
import { WebhookReceiver } from './webhook-receiver';

const PHONE = '106540352242922';
const TOKEN = 'store-token';
const APP_SECRET = 'app-secret-of-the-meta-app';
const WABA = '102290129340398';

describe('WhatsApp simulator: webhooks', () => {
  let receiver: WebhookReceiver;
  let sim: WhatsAppSimulator;
  const defaults = {
    statuses: ['sent', 'delivered', 'read'] as Array<'sent' | 'delivered' | 'read'>,
    delaysMs: { sent: 10, delivered: 40, read: 80 },
    duplicateProbability: 0,
    outOfOrderProbability: 0,
  };

  const accept = async (to: string, sendId: string): Promise<string> => {
    const answer = await postMessage(sim.url, PHONE, TOKEN, cartReminder(to, sendId));
    expect(answer.status).toBe(200);
    return (answer.body.messages as Array<{ id: string }>)[0].id;
  };
  const statusesReceived = () =>
    receiver.received.map((r) => (r.body as StatusWebhook).entry[0].changes[0].value.statuses?.[0]);

  beforeAll(async () => {
    receiver = await new WebhookReceiver(APP_SECRET, 'verify-token').start();
    sim = await startWhatsAppSimulator({
      tokens: { [PHONE]: TOKEN },
      wabaId: WABA,
      businessNumbers: { [PHONE]: { displayPhoneNumber: '34910000000' } },
      limits: { pairRate: false },
      webhooks: {
        url: receiver.url,
        appSecret: APP_SECRET,
        ...defaults,
        timeoutMs: 1000,
        retry: { maxAttempts: 3, firstDelayMs: 20, maxDelayMs: 40 },
      },
    });
  });
  afterAll(async () => {
    await sim.close();
    await receiver.stop();
  });
  beforeEach(() => {
    sim.reset();
    sim.updateSettings({ webhooks: defaults });
    receiver.received.length = 0;
    receiver.answers.length = 0;
  });

  it('sends sent, delivered and read in the real shape, signed over the raw body, echoing the callback data', async () => {
    const wamid = await accept('34600111222', 'send-42');
    await receiver.waitFor(3);

    for (const webhook of receiver.received) {
      const expected = createHmac('sha256', APP_SECRET).update(webhook.rawBody).digest('hex');
      expect(webhook.signature).toBe(`sha256=${expected}`);
    }
    // Separate POSTs may overtake each other, as with Meta; the simulator emits them in order.
    expect(
      statusesReceived()
        .map((s) => s?.status)
        .sort(),
    ).toEqual(['delivered', 'read', 'sent']);
    const bodyOf = (status: string) =>
      receiver.received
        .map((r) => r.body as StatusWebhook)
        .find((b) => b.entry[0].changes[0].value.statuses[0].status === status)!;
    const sent = bodyOf('sent');
    expect(sent).toEqual({
      object: 'whatsapp_business_account',
      entry: [
        {
          id: WABA,
          changes: [
            {
              field: 'messages',
              value: {
                messaging_product: 'whatsapp',
                metadata: { display_phone_number: '34910000000', phone_number_id: PHONE },
                statuses: [
                  {
                    id: wamid,
                    status: 'sent',
                    timestamp: expect.stringMatching(/^\d{10}$/),
                    recipient_id: '34600111222',
                    biz_opaque_callback_data: 'send-42',
                    recipient_user_id: userIdOf('34600111222', WABA),
                    contacts: [{ wa_id: '34600111222', user_id: userIdOf('34600111222', WABA) }],
                    conversation: {
                      id: expect.stringMatching(/^[0-9a-f]{32}$/),
                      expiration_timestamp: expect.stringMatching(/^\d{10}$/),
                      origin: { type: 'marketing' },
                    },
                    pricing: { billable: true, pricing_model: 'PMP', type: 'regular', category: 'marketing' },
                  },
                ],
              },
            },
          ],
        },
      ],
    });
    const read = bodyOf('read').entry[0].changes[0].value.statuses[0];
    expect(read.biz_opaque_callback_data).toBe('send-42');
    expect(read.conversation?.id).toBe(sent.entry[0].changes[0].value.statuses[0].conversation?.id);
    expect(Math.abs(Number(read.timestamp) - Date.now() / 1000)).toBeLessThan(5);

    await sim.webhooksIdle();
    expect(sim.record.message(wamid)?.statuses.map((s) => s.status)).toEqual(['sent', 'delivered', 'read']);
    expect(sim.record.webhooks.map((w) => [w.status, w.outcome])).toEqual([
      ['sent', 'delivered'],
      ['delivered', 'delivered'],
      ['read', 'delivered'],
    ]);
    expect(bodyOf('delivered').entry[0].changes[0].value.statuses[0].conversation).toEqual({
      id: expect.any(String),
      origin: { type: 'marketing' },
    });
  });

  it('reports a recipient set to fail after acceptance with a failed status and its error', async () => {
    sim.faults.failAfterAccept('34600000131', 131049);
    const wamid = await accept('34600000131', 'send-131049');
    await receiver.waitFor(1);
    await sim.webhooksIdle();

    expect(receiver.received).toHaveLength(1);
    expect(statusesReceived()[0]).toEqual({
      id: wamid,
      status: 'failed',
      timestamp: expect.any(String),
      recipient_id: '34600000131',
      biz_opaque_callback_data: 'send-131049',
      errors: [
        {
          code: 131049,
          title: expect.stringContaining('healthy ecosystem engagement'),
          message: expect.stringContaining('healthy ecosystem engagement'),
          error_data: { details: expect.any(String) },
          href: expect.stringContaining('error-codes'),
        },
      ],
    });
    expect(sim.record.message(wamid)?.statuses).toEqual([
      { status: 'failed', at: expect.any(Number), errorCode: 131049 },
    ]);
  });

  it('retries a webhook that does not get a 2xx, with the same signed body', async () => {
    sim.updateSettings({ webhooks: { statuses: ['sent'] } });
    receiver.answers.push(500, 503);
    await accept('34600111222', 'retry-me');
    await receiver.waitFor(3);
    await sim.webhooksIdle();

    expect(receiver.received.map((r) => r.answeredStatus)).toEqual([500, 503, 200]);
    expect(new Set(receiver.received.map((r) => r.rawBody)).size).toBe(1);
    expect(sim.record.webhooks).toEqual([
      expect.objectContaining({
        status: 'sent',
        outcome: 'delivered',
        attempts: [
          expect.objectContaining({ httpStatus: 500 }),
          expect.objectContaining({ httpStatus: 503 }),
          expect.objectContaining({ httpStatus: 200 }),
        ],
      }),
    ]);
  });

  it('gives up after the configured number of attempts', async () => {
    sim.updateSettings({ webhooks: { statuses: ['sent'] } });
    receiver.answers.push(401, 401, 401, 401);
    await accept('34600111222', 'never');
    await sim.webhooksIdle();
    expect(receiver.received).toHaveLength(3);
    expect(sim.record.webhooks[0]).toEqual(expect.objectContaining({ outcome: 'gave-up' }));
    expect(sim.record.stats().webhooks).toEqual({ 'gave-up': 1 });
  });

  it('can send read before delivered, and every status twice', async () => {
    sim.updateSettings({ webhooks: { outOfOrderProbability: 1, duplicateProbability: 1 } });
    const wamid = await accept('34600111222', 'messy');
    await receiver.waitFor(6);
    await sim.webhooksIdle();
    const received = statusesReceived().map((s) => s?.status);
    expect(received.sort()).toEqual(['delivered', 'delivered', 'read', 'read', 'sent', 'sent']);
    const emitted = sim.record.message(wamid)!.statuses.map((s) => s.status);
    expect(emitted.indexOf('read')).toBeLessThan(emitted.indexOf('delivered'));
  });

  it('sends a late or extra status on demand', async () => {
    sim.updateSettings({ webhooks: { statuses: [] } });
    const wamid = await accept('34600111222', 'late');
    const delivery = await sim.sendStatus(wamid, 'delivered');
    expect(delivery?.outcome).toBe('delivered');
    expect(statusesReceived().map((s) => [s?.id, s?.status])).toEqual([[wamid, 'delivered']]);
    await expect(sim.sendStatus('wamid.unknown', 'read')).rejects.toThrow(/no accepted message/);
  });

  it("delivers a shopper's text reply in the inbound message shape, to the number that messaged them", async () => {
    sim.updateSettings({ webhooks: { statuses: [] } });
    await accept('34600111222', 'before-reply');
    const reply = await sim.replyFromShopper({ from: '+34 600 111 222', text: 'BAJA', name: 'Ana' });

    expect(reply).toEqual({
      wamid: expect.stringMatching(/^wamid\./),
      phoneNumberId: PHONE,
      delivery: expect.objectContaining({ kind: 'inbound', outcome: 'delivered' }),
    });
    expect(receiver.received).toHaveLength(1);
    expect(receiver.received[0].signatureValid).toBe(true);
    expect(receiver.received[0].body as InboundWebhook).toEqual({
      object: 'whatsapp_business_account',
      entry: [
        {
          id: WABA,
          changes: [
            {
              field: 'messages',
              value: {
                messaging_product: 'whatsapp',
                metadata: { display_phone_number: '34910000000', phone_number_id: PHONE },
                contacts: [{ profile: { name: 'Ana' }, wa_id: '34600111222', user_id: userIdOf('34600111222', WABA) }],
                messages: [
                  {
                    from: '34600111222',
                    from_user_id: userIdOf('34600111222', WABA),
                    id: reply.wamid,
                    timestamp: expect.stringMatching(/^\d{10}$/),
                    type: 'text',
                    text: { body: 'BAJA' },
                  },
                ],
              },
            },
          ],
        },
      ],
    });
  });

  it('delivers a quick-reply button tap with the context of the message it answers', async () => {
    sim.updateSettings({ webhooks: { statuses: [] } });
    const wamid = await accept('34600111222', 'with-button');
    await sim.replyFromShopper({ from: '34600111222', button: { text: 'Stop promotions', payload: 'STOP' } });
    const message = (receiver.received[0].body as InboundWebhook).entry[0].changes[0].value.messages[0];
    expect(message).toEqual({
      context: { from: '34910000000', id: wamid },
      from: '34600111222',
      from_user_id: userIdOf('34600111222', WABA),
      id: expect.any(String),
      timestamp: expect.any(String),
      type: 'button',
      button: { text: 'Stop promotions', payload: 'STOP' },
    });
  });

  it('names shoppers by BSUID: phone withheld, a parent id and a username, the BSUID in wa_id, or as before 2026', async () => {
    sim.updateSettings({ webhooks: { statuses: ['sent', 'delivered'] } });
    sim.identities.set('34600111444', { phoneWithheld: true, parentUserId: true, username: '@lola_fan' });
    const wamid = await accept('34600111444', 'withheld');
    await receiver.waitFor(2);
    await sim.webhooksIdle();
    const userId = userIdOf('34600111444', WABA);
    expect(userId).toMatch(/^ES\.\d+$/);
    const byStatus = new Map(statusesReceived().map((s) => [s!.status, s!]));
    expect(byStatus.get('sent')).toEqual(
      expect.objectContaining({
        id: wamid,
        recipient_user_id: userId,
        contacts: [expect.objectContaining({ user_id: userId })],
      }),
    );
    const delivered = byStatus.get('delivered')!;
    expect(delivered).not.toHaveProperty('recipient_id');
    expect(delivered.recipient_parent_user_id).toMatch(/^ES\.ENT\.\d+$/);
    expect(delivered.username).toBe('@lola_fan');
    expect(delivered.contacts).toEqual([{ user_id: userId, parent_user_id: delivered.recipient_parent_user_id }]);
    expect(byStatus.get('sent')).not.toHaveProperty('username');

    receiver.received.length = 0;
    await sim.replyFromShopper({ from: '34600111444', text: 'BAJA', phoneNumberId: PHONE });
    const value = (receiver.received[0].body as InboundWebhook).entry[0].changes[0].value;
    expect(value.contacts).toEqual([
      {
        profile: { name: 'Shopper', username: '@lola_fan' },
        user_id: userId,
        parent_user_id: delivered.recipient_parent_user_id,
      },
    ]);
    expect(value.messages[0]).not.toHaveProperty('from');
    expect(value.messages[0].from_user_id).toBe(userId);

    receiver.received.length = 0;
    sim.identities.set('34600111444', { userIdInWaId: true });
    await sim.replyFromShopper({ from: '34600111444', text: 'stop', phoneNumberId: PHONE });
    expect((receiver.received[0].body as InboundWebhook).entry[0].changes[0].value.messages[0].from).toBe(userId);

    receiver.received.length = 0;
    sim.identities.defaults = { withoutUserId: true };
    sim.identities.set('34600111444', null);
    await sim.replyFromShopper({ from: '34600111444', text: 'hola', phoneNumberId: PHONE });
    const old = (receiver.received[0].body as InboundWebhook).entry[0].changes[0].value;
    expect(old.contacts).toEqual([{ profile: { name: 'Shopper' }, wa_id: '34600111444' }]);
    expect(old.messages[0]).not.toHaveProperty('from_user_id');
  });

  it('leaves contacts and the BSUID out of failed statuses (the send named a phone)', async () => {
    sim.faults.failAfterAccept('34600000132', 131049);
    await accept('34600000132', 'failed-no-bsuid');
    await receiver.waitFor(1);
    const failed = statusesReceived()[0]!;
    expect(failed.status).toBe('failed');
    expect(failed).not.toHaveProperty('contacts');
    expect(failed).not.toHaveProperty('recipient_user_id');
    expect(failed.recipient_id).toBe('34600000132');
  });

  it('sends template status and category webhooks, and a paused template refuses sends until approved', async () => {
    sim.updateSettings({
      webhooks: { statuses: [] },
      templates: [
        { name: 'cart_reminder', language: 'es', category: 'MARKETING', bodyParameters: 3, urlButtons: ['0'] },
      ],
    });
    const paused = await sim.templateWebhook({
      kind: 'status',
      event: 'PAUSED',
      name: 'cart_reminder',
      language: 'es',
      reason: 'LOW_QUALITY',
      category: 'MARKETING',
    });
    expect(paused).toEqual(expect.objectContaining({ kind: 'template', outcome: 'delivered' }));
    const body = receiver.received[0].body as { entry: Array<{ id: string; time: number; changes: unknown[] }> };
    expect(body.entry[0].id).toBe(WABA);
    expect(Math.abs(body.entry[0].time - Date.now() / 1000)).toBeLessThan(5);
    expect(body.entry[0].changes).toEqual([
      {
        field: 'message_template_status_update',
        value: {
          event: 'PAUSED',
          message_template_id: expect.any(Number),
          message_template_name: 'cart_reminder',
          message_template_language: 'es',
          reason: 'LOW_QUALITY',
          message_template_category: 'MARKETING',
        },
      },
    ]);
    const refused = await postMessage(sim.url, PHONE, TOKEN, cartReminder('34600111222', 'while-paused'));
    expect((refused.body.error as { code: number }).code).toBe(132015);
    await sim.templateWebhook({ kind: 'status', event: 'APPROVED', name: 'cart_reminder', language: 'es' });
    expect((await postMessage(sim.url, PHONE, TOKEN, cartReminder('34600111222', 'approved'))).status).toBe(200);

    receiver.received.length = 0;
    await sim.templateWebhook({
      kind: 'category-impending',
      name: 'cart_reminder',
      language: 'es',
      currentCategory: 'UTILITY',
      correctCategory: 'MARKETING',
      effectiveAt: Date.parse('2026-12-08T10:00:00Z'),
    });
    await sim.templateWebhook({
      kind: 'category-completed',
      name: 'cart_reminder',
      language: 'es',
      previousCategory: 'UTILITY',
      newCategory: 'MARKETING',
    });
    const values = receiver.received.map(
      (r) =>
        (r.body as { entry: Array<{ changes: Array<{ field: string; value: Record<string, unknown> }> }> }).entry[0]
          .changes[0],
    );
    expect(values.map((c) => c.field)).toEqual(['template_category_update', 'template_category_update']);
    expect(values[0].value).toEqual(
      expect.objectContaining({
        correct_category: 'MARKETING',
        new_category: 'UTILITY',
        category_update_timestamp: Date.parse('2026-12-08T10:00:00Z') / 1000,
      }),
    );
    expect(values[1].value).toEqual(
      expect.objectContaining({ previous_category: 'UTILITY', new_category: 'MARKETING' }),
    );
    expect(values[1].value).not.toHaveProperty('correct_category');
    sim.updateSettings({ templates: null });
  });

  it('takes shopper identities and template webhooks over its control API', async () => {
    sim.updateSettings({ webhooks: { statuses: [] } });
    const call = async (method: string, path: string, body?: unknown) => {
      const r = await fetch(`${sim.url}${path}`, { method, ...(body ? { body: JSON.stringify(body) } : {}) });
      return { status: r.status, body: (await r.json()) as Record<string, unknown> };
    };
    const set = await call('POST', '/_simulator/shopper-identities', {
      waId: '+34 600 111 555',
      profile: { phoneWithheld: true },
    });
    expect(set).toEqual({ status: 200, body: { defaults: {}, shoppers: { '34600111555': { phoneWithheld: true } } } });
    await sim.replyFromShopper({ from: '34600111555', text: 'BAJA', phoneNumberId: PHONE });
    expect((receiver.received[0].body as InboundWebhook).entry[0].changes[0].value.messages[0]).not.toHaveProperty(
      'from',
    );
    const sent = await call('POST', '/_simulator/template-webhooks', {
      kind: 'status',
      event: 'DISABLED',
      name: 'cart_reminder',
      language: 'es',
      wabaId: '999',
    });
    expect(sent.status).toBe(200);
    expect(sent.body.delivery).toEqual(expect.objectContaining({ kind: 'template', outcome: 'delivered' }));
    const template = receiver.received[1].body as { entry: Array<{ id: string; changes: Array<{ field: string }> }> };
    expect([template.entry[0].id, template.entry[0].changes[0].field]).toEqual([
      '999',
      'message_template_status_update',
    ]);
    expect(
      (await call('POST', '/_simulator/template-webhooks', { kind: 'other', name: 'x', language: 'es' })).status,
    ).toBe(400);
    expect((await call('POST', '/_simulator/template-webhooks', { kind: 'status' })).status).toBe(400);
    await call('POST', '/_simulator/reset');
    expect((await call('GET', '/_simulator/shopper-identities')).body).toEqual({ defaults: {}, shoppers: {} });
  });

  it('holds a paced template back: message_status in the answer, no status until the test releases it', async () => {
    sim.updateSettings({ pacedTemplates: { cart_reminder: 'held_for_quality_assessment' } });
    try {
      const answer = await postMessage(sim.url, PHONE, TOKEN, cartReminder('34600111222', 'send-paced'));
      const [message] = answer.body.messages as Array<{ id: string; message_status: string }>;
      expect(message.message_status).toBe('held_for_quality_assessment');
      await sim.webhooksIdle();
      expect(receiver.received).toHaveLength(0);
      expect(sim.record.message(message.id)?.paced).toBe('held_for_quality_assessment');
      await sim.sendStatus(message.id, 'sent');
      await receiver.waitFor(1);
      expect(statusesReceived()[0]).toMatchObject({ id: message.id, status: 'sent' });
      expect(() => sim.updateSettings({ pacedTemplates: { cart_reminder: 'slow' as never } })).toThrow(
        /pacedTemplates/,
      );
    } finally {
      sim.updateSettings({ pacedTemplates: {} });
    }
    const unpaced = await postMessage(sim.url, PHONE, TOKEN, cartReminder('34600111223', 'send-unpaced'));
    expect((unpaced.body.messages as Array<{ message_status: string }>)[0].message_status).toBe('accepted');
    await sim.webhooksIdle();
  });

  it('sends account_update MM_LITE_TERMS_SIGNED when the account accepts the terms, which end its 131055 refusals', async () => {
    sim.updateSettings({ marketingTermsNotAccepted: [PHONE] });
    const delivery = await sim.signMarketingTerms();
    expect(delivery).toMatchObject({ kind: 'account', outcome: 'delivered' });
    expect(sim.settings().marketingTermsNotAccepted).toEqual([]);
    const [webhook] = receiver.received;
    expect(webhook.body).toEqual({
      object: 'whatsapp_business_account',
      entry: [
        {
          id: WABA,
          time: expect.any(Number),
          changes: [
            {
              field: 'account_update',
              value: {
                event: 'MM_LITE_TERMS_SIGNED',
                waba_info: { waba_id: WABA, owner_business_id: expect.any(String) },
              },
            },
          ],
        },
      ],
    });
  });

  it('leaves conversation out of statuses of sends on Graph v24.0 and later, pricing kept', async () => {
    sim.updateSettings({ webhooks: { statuses: ['sent'] } });
    const answer = await postMessage(sim.url, PHONE, TOKEN, cartReminder('34600111222', 'v26'), { version: 'v26.0' });
    expect(answer.status).toBe(200);
    await receiver.waitFor(1);
    const sent = statusesReceived()[0]!;
    expect(sent).not.toHaveProperty('conversation');
    expect(sent.pricing).toEqual({ billable: true, pricing_model: 'PMP', type: 'regular', category: 'marketing' });
  });

  it('can sign webhooks wrongly, or not at all, to exercise the receiving side', async () => {
    sim.updateSettings({ webhooks: { statuses: [] } });
    sim.faults.corruptWebhookSignatures('invalid');
    await sim.replyFromShopper({ from: '34600111222', text: 'hola', phoneNumberId: PHONE });
    sim.faults.corruptWebhookSignatures('missing');
    await sim.replyFromShopper({ from: '34600111222', text: 'hola', phoneNumberId: PHONE });
    expect(receiver.received.map((r) => [r.signatureValid, r.signature === undefined])).toEqual([
      [false, false],
      [false, true],
    ]);
  });

  it('performs the verification handshake and checks the echoed challenge', async () => {
    await expect(sim.verifyWebhook('verify-token', 'challenge-123')).resolves.toEqual({
      verified: true,
      httpStatus: 200,
      challenge: 'challenge-123',
      body: 'challenge-123',
    });
    await expect(sim.verifyWebhook('wrong-token')).resolves.toEqual(
      expect.objectContaining({ verified: false, httpStatus: 403 }),
    );
    const unreachable = await verifyWebhookSubscription({ url: 'http://127.0.0.1:1/hook', verifyToken: 'x' });
    expect(unreachable).toEqual(expect.objectContaining({ verified: false, error: expect.any(String) }));
  });

  it('records statuses without a webhook URL, and sends nothing', async () => {
    const quiet = await startWhatsAppSimulator({
      tokens: { [PHONE]: TOKEN },
      webhooks: { delaysMs: { sent: 1, delivered: 2, read: 3 } },
    });
    try {
      const answer = await postMessage(quiet.url, PHONE, TOKEN, cartReminder('34600111222', 'x'));
      const wamid = (answer.body.messages as Array<{ id: string }>)[0].id;
      await quiet.webhooksIdle();
      expect(quiet.record.message(wamid)?.statuses.map((s) => s.status)).toEqual(['sent', 'delivered', 'read']);
      expect(quiet.record.webhooks).toHaveLength(0);
    } finally {
      await quiet.close();
    }
  });

  it('refuses a webhook URL without the app secret', async () => {
    await expect(startWhatsAppSimulator({ tokens: {}, webhooks: { url: receiver.url } })).rejects.toThrow(/appSecret/);
  });
});
