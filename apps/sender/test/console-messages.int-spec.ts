// The console's recent messages, from a real sender run (broker, database, the WhatsApp
// simulator's status webhooks): the sender serves them behind a console token for exactly
// that store, verified with CONSOLE_SIGNING_KEYS, phones masked; nothing else opens them.
// Ingest's console API forwards the browser's token to it (CONSOLE_SENDER_URL).
import { TEST_CONSOLE_SIGNING_KEYS, forgedToken } from '../../ingest/test/console-keys';
import type { ConsoleMessages } from '@lib/contracts';
import { IngestUnderTest, startIngest } from '../../ingest/test/ingest-app';
import type { WhatsAppSimulator } from '../../../test/whatsapp-simulator';
import {
  Environment,
  isolatedEnvironment,
  outcomesUntil,
  produceSendDue,
  produceSettings,
  RunningSender,
  sendDue,
  startSender,
  startSimulator,
  STORE,
  storeSettings,
} from './harness';

let env: Environment;
let sim: WhatsAppSimulator;
let sender: RunningSender;
let unkeyed: RunningSender | undefined;
const ingests: IngestUnderTest[] = [];
const OTHER = 'brooklyn-bikes';
const read = sendDue('cart-read');
// The same shopper again within minHoursBetweenMessages: decided, and skipped.
const capped = sendDue('cart-capped', { customer: read.customer });
const other = { ...sendDue('cart-other'), sendId: `${OTHER}:cart-other:1`, storeId: OTHER };

beforeAll(async () => {
  env = await isolatedEnvironment('console-messages');
  sim = await startSimulator();
  await produceSettings(env, storeSettings());
  await produceSettings(env, storeSettings({ storeId: OTHER, name: 'Brooklyn Bikes' }));
  sender = await startSender(env, sim, { CONSOLE_SIGNING_KEYS: TEST_CONSOLE_SIGNING_KEYS });
  await produceSendDue(env, [read, other]);
  const outcomes = await outcomesUntil(
    env,
    (o) => o.some((x) => x.sendId === read.sendId && x.status === 'read') && o.some((x) => x.sendId === other.sendId),
  );
  expect(outcomes.some((x) => x.sendId === read.sendId && x.status === 'read')).toBe(true);
  await produceSendDue(env, [capped]);
  await outcomesUntil(env, (o) => o.some((x) => x.sendId === capped.sendId));
}, 90_000);

afterAll(async () => {
  for (const ingest of ingests) await ingest.close();
  await unkeyed?.close();
  await sender?.close();
  await sim?.close();
});

const at = (storeId: string, query = '') => `${sender.url}/console/api/stores/${storeId}/messages${query}`;

async function get(url: string, authorization?: string) {
  const res = await fetch(url, { headers: authorization ? { authorization } : {} });
  return { status: res.status, body: (await res.json()) as ConsoleMessages & { reason?: string } };
}

describe("the sender's console messages", () => {
  it('lists the store’s latest messages, newest first, with their history and the phone masked', async () => {
    const { status, body } = await get(at(STORE), `Bearer ${forgedToken(STORE)}`);
    expect(status).toBe(200);
    expect(body.storeId).toBe(STORE);
    expect(body.messages.map((m) => m.cartId)).toEqual(['cart-capped', 'cart-read']);
    const [skipped, sent] = body.messages;
    expect(sent).toMatchObject({ state: 'read', reason: null, phone: expect.stringMatching(/^\+34\*+\d{3}$/) });
    expect(sent.history.map((h) => h.status)).toEqual(expect.arrayContaining(['sending', 'sent', 'delivered', 'read']));
    expect(sent.history.every((h) => !Number.isNaN(Date.parse(h.at)))).toBe(true);
    expect(sent.text).toContain('Ana');
    expect(skipped).toMatchObject({ state: 'skipped', reason: 'frequency-cap', phone: sent.phone, text: null });
    expect(skipped.history).toEqual([{ status: 'skipped', at: expect.any(String), reason: 'frequency-cap' }]);
    // No phone of the run appears anywhere in the answer, masked or in a text.
    const raw = JSON.stringify(body);
    for (const phone of [read.customer.phone]) {
      expect(raw).not.toContain(phone);
      expect(raw).not.toContain(phone.slice(1));
    }
    // Another store's message is not among them.
    expect(body.messages.some((m) => m.cartId === 'cart-other')).toBe(false);
  });

  it('answers as many as asked, 20 by default, and refuses a limit out of 1–100', async () => {
    const token = `Bearer ${forgedToken(STORE)}`;
    expect((await get(at(STORE, '?limit=1'), token)).body.messages.map((m) => m.cartId)).toEqual(['cart-capped']);
    expect((await get(at(STORE, '?limit=0'), token)).status).toBe(400);
    expect((await get(at(STORE, '?limit=101'), token)).status).toBe(400);
    expect((await get(at(STORE, '?limit=ten'), token)).status).toBe(400);
  });

  it("refuses store A's token for store B, and expired, forged, wrong-audience, missing tokens and API keys", async () => {
    const tokenA = forgedToken(STORE);
    expect((await get(at(OTHER), `Bearer ${tokenA}`)).status).toBe(403);
    expect((await get(at(OTHER), `Bearer ${forgedToken(OTHER)}`)).body.messages.map((m) => m.cartId)).toEqual([
      'cart-other',
    ]);
    const expired = forgedToken(STORE, { now: new Date(Date.now() - 20 * 60_000), minutes: 15 });
    expect(await get(at(STORE), `Bearer ${expired}`)).toMatchObject({ status: 401, body: { reason: 'expired' } });
    const [h, c, s] = tokenA.split('.');
    const claims = JSON.parse(Buffer.from(c, 'base64url').toString());
    const tampered = `${h}.${Buffer.from(JSON.stringify({ ...claims, store: OTHER })).toString('base64url')}.${s}`;
    expect(await get(at(OTHER), `Bearer ${tampered}`)).toMatchObject({
      status: 401,
      body: { reason: 'bad-signature' },
    });
    const wrongAudience = forgedToken(STORE, { audience: 'someone-else' });
    expect(await get(at(STORE), `Bearer ${wrongAudience}`)).toMatchObject({
      status: 401,
      body: { reason: 'wrong-audience' },
    });
    expect(await get(at(STORE))).toMatchObject({ status: 401, body: { reason: 'missing' } });
    // A platform API key (ingest's or the scheduler's) is not a console token.
    expect((await get(at(STORE), 'Bearer test-platform-key-0123456789')).status).toBe(401);
  });

  it('is off without CONSOLE_SIGNING_KEYS: every request refused', async () => {
    unkeyed = await startSender(await isolatedEnvironment('console-messages-off'), sim);
    const res = await fetch(`${unkeyed.url}/console/api/stores/${STORE}/messages`, {
      headers: { authorization: `Bearer ${forgedToken(STORE)}` },
    });
    expect(res.status).toBe(401);
  });

  it("reach the browser through ingest's console API, which forwards the token and nothing else", async () => {
    const ingest = await startIngest('console-messages-ingest', {
      CONSOLE_SIGNING_KEYS: TEST_CONSOLE_SIGNING_KEYS,
      CONSOLE_SENDER_URL: `${sender.url}/`,
    });
    ingests.push(ingest);
    const via = (storeId: string, query = '') => `${ingest.url}/console/api/stores/${storeId}/messages${query}`;
    const token = `Bearer ${forgedToken(STORE)}`;
    const forwarded = await get(via(STORE, '?limit=5'), token);
    expect(forwarded).toEqual(await get(at(STORE, '?limit=5'), token));
    expect((await get(via(OTHER), token)).status).toBe(403);
    // The sender's own refusals come back as it gave them.
    expect((await get(via(STORE, '?limit=500'), token)).status).toBe(400);
    const without = await startIngest('console-messages-no-sender', {
      CONSOLE_SIGNING_KEYS: TEST_CONSOLE_SIGNING_KEYS,
    });
    ingests.push(without);
    const off = await get(`${without.url}/console/api/stores/${STORE}/messages`, token);
    expect(off.status).toBe(503);
    expect(JSON.stringify(off.body)).toContain('CONSOLE_SENDER_URL');
  });
});
