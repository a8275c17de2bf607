import { recoveryLinkContract, TOPIC } from '@lib/contracts';
import { parseLinkSigningKeys, verifyLinkToken } from '@lib/secrets';
import { readTopic, testKafka } from '../../../test/support/kafka';
import type { WhatsAppSimulator } from '../../../test/whatsapp-simulator';
import {
  isolatedEnvironment,
  outcomesUntil,
  PHONE_NUMBER_ID,
  produceSendDue,
  produceSettings,
  RunningSender,
  sendDue,
  startSender,
  startSimulator,
  storeSettings,
  TOKEN,
} from './harness';

const LINK_KEYS = `links-1:${Buffer.alloc(32, 'sender recovery links test key').toString('base64')}`;
const keys = parseLinkSigningKeys(LINK_KEYS);
const BASE = 'https://links.lola.example';
const sims: WhatsAppSimulator[] = [];
const senders: RunningSender[] = [];
afterAll(async () => {
  await Promise.all(senders.map((s) => s.close().catch(() => undefined)));
  await Promise.all(sims.map((s) => s.close()));
});

async function sending(
  label: string,
  settings: ReturnType<typeof storeSettings>,
  extra = { LINK_SIGNING_KEYS: LINK_KEYS },
) {
  const env = await isolatedEnvironment(label);
  const sim = await startSimulator();
  sims.push(sim);
  await produceSettings(env, settings);
  const sender = await startSender(env, sim, extra);
  senders.push(sender);
  return { env, sim };
}

const sent = (outcomes: Array<{ sendId?: string; status?: string }>, sendIds: string[]) =>
  sendIds.every((id) => outcomes.some((o) => o.sendId === id && o.status === 'sent'));

describe('sender: click-tracked recovery links (real Kafka, PostgreSQL and the simulator)', () => {
  it("shows each message's own link under the store's base URL and publishes it on recovery-links", async () => {
    const { env, sim } = await sending('links-text', storeSettings({ links: { baseUrl: BASE, utmMedium: 'wa' } }));
    const dues = [sendDue('lk-1'), sendDue('lk-2')];
    await produceSendDue(env, dues);
    expect(
      sent(
        await outcomesUntil(env, (o) =>
          sent(
            o,
            dues.map((d) => d.sendId),
          ),
        ),
        dues.map((d) => d.sendId),
      ),
    ).toBe(true);

    const records = await readTopic(testKafka(), env.topic(TOPIC.recoveryLinks), 2);
    expect(records).toHaveLength(2);
    for (const due of dues) {
      const record = records.find((r) => JSON.parse(r.value!).sendId === due.sendId)!;
      const link = JSON.parse(record.value!);
      expect(recoveryLinkContract.check(link).ok).toBe(true);
      expect(record.key).toBe(`${due.storeId}:${due.cartId}`);
      expect(link).toMatchObject({
        storeId: due.storeId,
        cartId: due.cartId,
        destination: due.recoveryUrl,
        utmMedium: 'wa',
      });
      expect(verifyLinkToken(keys, link.token)).toBe(true);
      const [message] = sim.record.findMessages({ bizOpaqueCallbackData: due.sendId });
      expect(message.text).toContain(`${BASE}/r/${link.token}`);
      expect(message.text).not.toContain(due.recoveryUrl);
    }
  });

  it("puts the token in a template's URL button suffix", async () => {
    const { env, sim } = await sending(
      'links-template',
      storeSettings({
        links: { baseUrl: BASE },
        whatsapp: {
          phoneNumberId: PHONE_NUMBER_ID,
          accessToken: TOKEN,
          mode: 'template',
          templateName: 'cart_reminder',
          templateLanguage: 'es',
          templateParameters: { buttonUrlSuffix: '{{recoveryLink after="https://lola.example/cart/"}}' },
        },
      }),
    );
    const due = sendDue('lk-t');
    await produceSendDue(env, [due]);
    await outcomesUntil(env, (o) => sent(o, [due.sendId]));
    const [record] = await readTopic(testKafka(), env.topic(TOPIC.recoveryLinks), 1);
    const link = JSON.parse(record.value!);
    const [message] = sim.record.findMessages({ bizOpaqueCallbackData: due.sendId });
    const components = (message.body as { template: { components: Array<Record<string, unknown>> } }).template
      .components;
    expect(components.find((c) => c.type === 'button')).toMatchObject({
      sub_type: 'url',
      parameters: [{ type: 'text', text: link.token }],
    });
  });

  it("keeps the store's own recovery URL without links.baseUrl or without LINK_SIGNING_KEYS, publishing no link", async () => {
    const plain = await sending('links-none', storeSettings());
    const unkeyed = await sending('links-unkeyed', storeSettings({ links: { baseUrl: BASE } }), {
      LINK_SIGNING_KEYS: '',
    });
    for (const { env, sim } of [plain, unkeyed]) {
      const due = sendDue('lk-n');
      await produceSendDue(env, [due]);
      await outcomesUntil(env, (o) => sent(o, [due.sendId]));
      const [message] = sim.record.findMessages({ bizOpaqueCallbackData: due.sendId });
      expect(message.text).toContain(due.recoveryUrl);
      expect(message.text).not.toContain('/r/');
      expect(await readTopic(testKafka(), env.topic(TOPIC.recoveryLinks), 1, 1500)).toHaveLength(0);
    }
  });
});
