import { request } from 'undici';
import { cartReminder, postMessage } from './graph-client';
import { startWhatsAppSimulator, type WhatsAppSimulator } from './index';
import { WebhookReceiver } from './webhook-receiver';

const PHONE = '106540352242922';
const TOKEN = 'store-token-123456';
const APP_SECRET = 'app-secret-123456';

describe('WhatsApp simulator: control API over HTTP (/_simulator)', () => {
  let receiver: WebhookReceiver;
  let sim: WhatsAppSimulator;

  const control = async (method: 'GET' | 'POST' | 'PATCH' | 'DELETE', path: string, body?: unknown) => {
    const response = await request(`${sim.url}/_simulator${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    return { status: response.statusCode, body: (await response.body.json()) as Record<string, unknown> };
  };
  const send = (to: string, sendId: string) => postMessage(sim.url, PHONE, TOKEN, cartReminder(to, sendId));

  beforeAll(async () => {
    receiver = await new WebhookReceiver(APP_SECRET, 'verify-token').start();
    sim = await startWhatsAppSimulator({
      tokens: { [PHONE]: TOKEN },
      limits: { pairRate: false },
      webhooks: { url: receiver.url, appSecret: APP_SECRET, statuses: [] },
    });
  });
  afterAll(async () => {
    await sim.close();
    await receiver.stop();
  });
  beforeEach(async () => {
    await control('POST', '/reset');
    receiver.received.length = 0;
  });

  it('answers health', async () => {
    expect(await control('GET', '/health')).toEqual({ status: 200, body: { ok: true } });
  });

  it('serves the accepted messages, filtered and paged, and clears them', async () => {
    await send('34600111222', 'cart-1');
    await send('34600111333', 'cart-2');
    await send('34600111222', 'cart-3');

    const all = await control('GET', '/messages');
    expect(all.body).toEqual(expect.objectContaining({ total: 3, offset: 0 }));
    expect((all.body.messages as Array<{ bizOpaqueCallbackData: string }>).map((m) => m.bizOpaqueCallbackData)).toEqual(
      ['cart-1', 'cart-2', 'cart-3'],
    );
    expect((await control('GET', '/messages?to=%2B34600111222')).body.total).toBe(2);
    expect((await control('GET', '/messages?bizOpaqueCallbackData=cart-2')).body.total).toBe(1);
    expect((await control('GET', `/messages?phoneNumberId=${PHONE}&since=${Date.now() + 60_000}`)).body.total).toBe(0);
    const page = await control('GET', '/messages?offset=1&limit=1');
    expect(page.body).toEqual(
      expect.objectContaining({
        total: 3,
        offset: 1,
        messages: [expect.objectContaining({ bizOpaqueCallbackData: 'cart-2' })],
      }),
    );

    expect(await control('DELETE', '/messages')).toEqual({ status: 200, body: { cleared: true } });
    expect((await control('GET', '/messages')).body.total).toBe(0);
  });

  it('serves every attempt and the stats, refusals included', async () => {
    await send('34600111222', 'ok');
    await postMessage(sim.url, PHONE, 'bad-token', cartReminder('34600111222', 'refused'));
    const attempts = await control('GET', '/attempts');
    expect(attempts.body.attempts).toEqual([
      expect.objectContaining({ outcome: 'accepted', httpStatus: 200, to: '34600111222', phoneNumberId: PHONE }),
      expect.objectContaining({ outcome: 'refused', httpStatus: 401, errorCode: 190 }),
    ]);
    expect((await control('GET', '/stats')).body).toEqual(
      expect.objectContaining({ attempts: 2, accepted: 1, refusedByCode: { '190': 1 } }),
    );
  });

  it('configures, shows and clears faults', async () => {
    const ordered = await control('POST', '/faults', {
      failNext: { count: 1, failure: { kind: 'error', code: 131000, httpStatus: 500 } },
      notOnWhatsApp: ['34600000404'],
    });
    expect(ordered.body).toEqual(
      expect.objectContaining({ failNext: [expect.objectContaining({ count: 1 })], notOnWhatsApp: ['34600000404'] }),
    );
    expect((await send('34600111222', 'a')).status).toBe(500);
    expect((await send('34600111222', 'b')).status).toBe(200);
    expect((await send('34600000404', 'c')).body.error).toEqual(expect.objectContaining({ code: 131026 }));

    expect((await control('DELETE', '/faults')).body).toEqual(
      expect.objectContaining({ failNext: [], notOnWhatsApp: [] }),
    );
    expect((await send('34600000404', 'd')).status).toBe(200);
    expect((await control('POST', '/faults', { random: { probability: 5 } })).status).toBe(400);
  });

  it('changes settings at runtime and shows them with secrets masked', async () => {
    const changed = await control('PATCH', '/settings', { limits: { throughputPerSecond: 1 }, latencyMs: 0 });
    expect(changed.status).toBe(200);
    expect(changed.body).toEqual(
      expect.objectContaining({
        throughputPerSecond: 1,
        tokens: { [PHONE]: ['stor…'] },
        webhooks: expect.objectContaining({ url: receiver.url, appSecret: 'app-…' }),
      }),
    );
    const answers = await Promise.all([send('34600111222', 'x'), send('34600111333', 'y')]);
    expect(answers.map((a) => a.status).sort()).toEqual([200, 400]);
    expect((await control('PATCH', '/settings', { limits: { throughputPerSecond: -1 } })).status).toBe(400);
    await control('PATCH', '/settings', { limits: { throughputPerSecond: 80 } });
  });

  it('sends a shopper reply and waits for its webhook', async () => {
    const reply = await control('POST', '/inbound', { from: '34600111222', text: 'STOP', phoneNumberId: PHONE });
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual(
      expect.objectContaining({ phoneNumberId: PHONE, delivery: expect.objectContaining({ outcome: 'delivered' }) }),
    );
    expect(receiver.received).toHaveLength(1);
    expect(JSON.stringify(receiver.received[0].body)).toContain('"text":{"body":"STOP"}');
    expect((await control('POST', '/inbound', { text: 'STOP' })).status).toBe(400);
  });

  it('sends an extra status for a message, and refuses unknown ones', async () => {
    const answer = await send('34600111222', 'late-status');
    const wamid = (answer.body.messages as Array<{ id: string }>)[0].id;
    const status = await control('POST', '/statuses', { wamid, status: 'read' });
    expect(status.body).toEqual({ delivery: expect.objectContaining({ wamid, status: 'read', outcome: 'delivered' }) });
    expect((await control('POST', '/statuses', { wamid: 'wamid.nope', status: 'read' })).status).toBe(404);
    expect((await control('POST', '/statuses', { wamid, status: 'seen' })).status).toBe(400);
    expect((await control('GET', '/webhooks')).body).toEqual(expect.objectContaining({ total: 1 }));
    expect((await control('GET', '/webhooks/idle?timeoutMs=1000')).body).toEqual({ idle: true });
  });

  it('performs the webhook verification handshake on request', async () => {
    expect((await control('POST', '/webhook-verification', { verifyToken: 'verify-token' })).body).toEqual(
      expect.objectContaining({ verified: true, httpStatus: 200 }),
    );
    expect((await control('POST', '/webhook-verification', { verifyToken: 'nope' })).body).toEqual(
      expect.objectContaining({ verified: false, httpStatus: 403 }),
    );
  });

  it('answers 404 for unknown routes and 400 for a body that is not JSON', async () => {
    expect((await control('GET', '/nothing-here')).status).toBe(404);
    expect((await control('POST', '/faults', '{not json')).status).toBe(400);
  });
});
