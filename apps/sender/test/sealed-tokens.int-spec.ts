import { randomBytes } from 'node:crypto';
import { accessTokenContext, parseKeyring, seal } from '@lib/secrets';
import type { WhatsAppSimulator } from '../../../test/whatsapp-simulator';
import { testKeyring } from '../../../test/support/secrets';
import {
  database,
  isolatedEnvironment,
  outcomesUntil,
  PHONE_NUMBER_ID,
  produceSendDue,
  produceSettings,
  RunningSender,
  sendDue,
  startSender,
  startSimulator,
  STORE,
  storeSettings,
  TOKEN,
} from './harness';

const sims: WhatsAppSimulator[] = [];
const senders: RunningSender[] = [];
afterAll(async () => {
  await Promise.all(senders.map((s) => s.close().catch(() => undefined)));
  await Promise.all(sims.map((s) => s.close()));
});

const statusOf = (outcomes: Array<{ sendId?: string; status?: string }>, sendId: string) =>
  outcomes.filter((o) => o.sendId === sendId).map((o) => o.status);

/** Settings as published with the token sealed under a key the sender does not hold. */
function underUnknownKey() {
  const other = parseKeyring(`elsewhere:${randomBytes(32).toString('base64')}`);
  const settings = storeSettings();
  return {
    ...settings,
    whatsapp: {
      phoneNumberId: PHONE_NUMBER_ID,
      mode: 'text',
      accessTokenCiphertext: seal(TOKEN, accessTokenContext(STORE), other),
    },
  };
}

describe('sender with sealed access tokens', () => {
  it('opens the sealed token to send, and keeps it only sealed', async () => {
    const env = await isolatedEnvironment('sealed-send');
    const sim = await startSimulator();
    sims.push(sim);
    await produceSettings(env, storeSettings({ shopify: { webhookSecret: 'shpss_0123456789' } }));
    const sender = await startSender(env, sim);
    senders.push(sender);
    const due = sendDue('sealed-1');
    await produceSendDue(env, [due]);
    await outcomesUntil(env, (o) => statusOf(o, due.sendId).includes('sent'));
    expect(sim.record.findMessages({ bizOpaqueCallbackData: due.sendId })).toHaveLength(1);
    const db = await database(env.schema);
    try {
      const { rows } = await db.query('SELECT settings::text AS text FROM store_settings');
      expect(rows[0].text).toMatch(/"accessTokenCiphertext": ?"enc:v1:test-1:/);
      expect(rows[0].text).not.toContain(TOKEN);
      expect(rows[0].text).not.toContain('webhookSecret'); // the sender uses none, and keeps none
    } finally {
      await db.close();
    }
    expect(sender.logs.join('')).not.toContain(TOKEN);
  });

  it('pauses a store whose token does not open (a key it lacks, or plaintext) with the alert, and resumes on a readable one', async () => {
    const env = await isolatedEnvironment('sealed-pause');
    const sim = await startSimulator();
    sims.push(sim);
    await produceSettings(env, underUnknownKey());
    const sender = await startSender(env, sim);
    senders.push(sender);
    const held = sendDue('held');
    await produceSendDue(env, [held]);
    const outcomes = await outcomesUntil(env, (o) => statusOf(o, held.sendId).includes('deferred'));
    expect(outcomes.find((o) => o.sendId === held.sendId)!.reason).toBe('store-paused');
    expect(sim.record.findAttempts({ bizOpaqueCallbackData: held.sendId })).toHaveLength(0);
    expect(sender.logs.join('')).toMatch(
      /"alert":"store-paused".*"storeId":"lola-shoes".*"code":"secret".*key \\"elsewhere\\"/,
    );
    const metrics = await (await fetch(`${sender.url}/metrics`)).text();
    expect(metrics).toMatch(/sender_store_paused_total\{[^}]*store_id="lola-shoes"[^}]*code="secret"[^}]*\} 1/);

    // A record from before encryption: its plaintext token is neither used nor kept.
    const plaintext = {
      ...storeSettings(),
      whatsapp: { phoneNumberId: PHONE_NUMBER_ID, mode: 'text', accessToken: TOKEN },
    };
    await produceSettings(env, plaintext as ReturnType<typeof storeSettings>);
    await new Promise((r) => setTimeout(r, 1500));
    expect(sim.record.findAttempts({ bizOpaqueCallbackData: held.sendId })).toHaveLength(0);
    const db = await database(env.schema);
    try {
      const { rows } = await db.query('SELECT settings::text AS text, paused_at FROM store_settings');
      expect(rows[0].text).not.toContain(TOKEN);
      expect(rows[0].paused_at).not.toBeNull();
    } finally {
      await db.close();
    }

    // Sealed with the key it holds: the store resumes and the held message leaves.
    expect(testKeyring.currentKeyId).toBe('test-1');
    await produceSettings(env, storeSettings());
    const after = await outcomesUntil(env, (o) => statusOf(o, held.sendId).includes('sent'));
    expect(statusOf(after, held.sendId)).toContain('sent');
    expect(sender.logs.join('')).not.toContain(TOKEN);
  });
});
