// The sender and ingest together on one set of topics: the link a message shows resolves on
// ingest, a shopper's two taps count once each, WhatsApp's preview does not.
import { TOPIC } from '@lib/contracts';
import { IngestUnderTest, startIngest } from '../apps/ingest/test/ingest-app';
import {
  isolatedEnvironment,
  outcomesUntil,
  produceSendDue,
  produceSettings,
  RunningSender,
  sendDue,
  startSender,
  startSimulator,
  storeSettings,
} from '../apps/sender/test/harness';
import { readTopic, testKafka } from './support/kafka';
import type { WhatsAppSimulator } from './whatsapp-simulator';

const LINK_KEYS = `e2e-1:${Buffer.alloc(32, 'links end to end test key').toString('base64')}`;
const BASE = 'https://links.lola.example';
const IPHONE = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148 Safari/604.1';
let sim: WhatsAppSimulator | undefined;
let sender: RunningSender | undefined;
let ingest: IngestUnderTest | undefined;
afterAll(async () => {
  await sender?.close();
  await ingest?.close();
  await sim?.close();
});

describe('a recovery link from the sender, followed on ingest (real Kafka, PostgreSQL and simulator)', () => {
  it("redirects the message's link to the cart, counting the shopper's taps and not the preview", async () => {
    const env = await isolatedEnvironment('links-e2e');
    sim = await startSimulator();
    await produceSettings(env, storeSettings({ links: { baseUrl: BASE, utmCampaign: 'e2e' } }));
    sender = await startSender(env, sim, { LINK_SIGNING_KEYS: LINK_KEYS });
    ingest = await startIngest('links-e2e', { TOPIC_PREFIX: env.prefix, LINK_SIGNING_KEYS: LINK_KEYS });

    const due = sendDue('e2e-1');
    await produceSendDue(env, [due]);
    await outcomesUntil(env, (o) => o.some((x) => x.sendId === due.sendId && x.status === 'sent'));
    const [message] = sim.record.findMessages({ bizOpaqueCallbackData: due.sendId });
    const token = new RegExp(`${BASE.replace(/\./g, '\\.')}/r/([A-Za-z0-9_-]{16}\\.[A-Za-z0-9_-]{16})`).exec(
      message.text!,
    )![1];

    const tap = async (userAgent: string) => {
      const res = await fetch(`${ingest!.url}/r/${token}`, {
        redirect: 'manual',
        headers: { 'user-agent': userAgent },
      });
      await res.arrayBuffer();
      return { status: res.status, location: res.headers.get('location') };
    };
    const preview = await tap('WhatsApp/2.23.20.0 A');
    expect(preview.status).toBe(302);
    const location = new URL(preview.location!);
    expect(`${location.origin}${location.pathname}`).toBe(due.recoveryUrl);
    expect(Object.fromEntries(location.searchParams)).toEqual({
      utm_source: 'whatsapp',
      utm_medium: 'message',
      utm_campaign: 'e2e',
    });
    expect((await tap(IPHONE)).status).toBe(302);
    expect((await tap(IPHONE)).status).toBe(302);

    const clicks = await readTopic(testKafka(), `${env.prefix}${TOPIC.linkClicks}`, 3, 5000);
    expect(clicks.map((c) => JSON.parse(c.value!) as Record<string, unknown>)).toEqual([
      expect.objectContaining({ sendId: due.sendId, cartId: due.cartId, clicks: 1 }),
      expect.objectContaining({ sendId: due.sendId, cartId: due.cartId, clicks: 2 }),
    ]);
  });
});
