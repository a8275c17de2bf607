// Consent evidence in the scheduler, on the real broker and PostgreSQL: cart events carrying
// consent records keep the shopper's latest one in `consent_records`, and a withdrawal is an
// opt-out: the shopper's waiting carts are cancelled and no send-due goes out.
import { TOPIC, type Consent } from '@lib/contracts';
import {
  ABANDON_MS,
  cartEvent,
  closeDatabases,
  database,
  isolatedEnvironment,
  produce,
  produceCartEvents,
  readSendDue,
  RunningScheduler,
  sleep,
  startScheduler,
  STORE,
  storeSettings,
} from './harness';
import { eventually } from '../../../test/support/kafka';

const running: RunningScheduler[] = [];
afterAll(async () => {
  await closeDatabases();
  await Promise.all(running.map((s) => s.close().catch(() => undefined)));
});

const sms = (state: Consent['state'], at: string): Consent => ({
  channel: 'sms',
  state,
  source: 'shopify:customer.sms_marketing_consent',
  at,
  collectedFrom: 'OTHER',
  optInLevel: 'single_opt_in',
});

it('keeps the latest consent record per shopper; a withdrawal cancels the shopper’s waiting carts and is an opt-out', async () => {
  const env = await isolatedEnvironment('consent');
  await produce(env.topic(TOPIC.storeSettings), [{ key: STORE, value: storeSettings() }]);
  running.push(await startScheduler(env));
  const db = await database(env.schema);
  const shopper = { phone: '+34600777001', firstName: 'Ana', locale: 'es-ES', whatsappOptIn: true };
  const other = { phone: '+34600777002', firstName: 'Eva', locale: 'es-ES', whatsappOptIn: true };
  const soon = Date.now() + 6000 - ABANDON_MS;

  // Two carts of the shopper wait (one granted with its evidence), one of another shopper.
  await produceCartEvents(env.topic(TOPIC.cartEvents), [
    cartEvent('k1', 'checkout.started', soon, {
      customer: shopper,
      consent: [sms('granted', '2026-11-01T09:00:00.000Z')],
    }),
    cartEvent('k2', 'checkout.started', soon, { customer: shopper }),
    cartEvent('k3', 'checkout.started', soon, {
      customer: other,
      consent: [sms('granted', '2026-11-02T09:00:00.000Z')],
    }),
  ]);
  await eventually(
    async () => (await db.query(`SELECT count(*)::int AS n FROM carts WHERE status = 'scheduled'`)).rows[0].n,
    (n) => n === 3,
  );
  expect(
    (
      await db.query(
        `SELECT phone, state, source, consented_at, collected_from, opt_in_level FROM consent_records ORDER BY phone`,
      )
    ).rows,
  ).toEqual([
    {
      phone: shopper.phone,
      state: 'granted',
      source: 'shopify:customer.sms_marketing_consent',
      consented_at: new Date('2026-11-01T09:00:00.000Z'),
      collected_from: 'OTHER',
      opt_in_level: 'single_opt_in',
    },
    expect.objectContaining({ phone: other.phone, state: 'granted' }),
  ]);

  // An older grant arriving late changes nothing; the withdrawal (on a third cart's event) wins.
  await produceCartEvents(env.topic(TOPIC.cartEvents), [
    cartEvent('k4', 'cart.updated', soon, { customer: shopper, consent: [sms('granted', '2026-10-01T09:00:00.000Z')] }),
    cartEvent('k4', 'cart.updated', soon + 1, {
      customer: shopper,
      consent: [sms('withdrawn', '2026-11-20T09:00:00.000Z')],
    }),
  ]);
  const cancelled = await eventually(
    async () =>
      (
        await db.query(
          `SELECT cart_id, status, reason, timer_at FROM carts WHERE cart_id IN ('k1','k2','k4') ORDER BY cart_id`,
        )
      ).rows,
    (rows) => rows.length === 3 && rows.every((r: { status: string }) => r.status === 'idle'),
  );
  expect(cancelled).toEqual(
    ['k1', 'k2', 'k4'].map((cart_id) => ({ cart_id, status: 'idle', reason: 'opted-out', timer_at: null })),
  );
  expect(
    (await db.query(`SELECT state, consented_at FROM consent_records WHERE phone = $1`, [shopper.phone])).rows,
  ).toEqual([{ state: 'withdrawn', consented_at: new Date('2026-11-20T09:00:00.000Z') }]);
  expect((await db.query(`SELECT opted_out_at FROM contacts WHERE phone = $1`, [shopper.phone])).rows).toEqual([
    { opted_out_at: new Date('2026-11-20T09:00:00.000Z') },
  ]);

  // Only the other shopper is messaged; a later grant does not lift the opt-out (for good, as a STOP reply).
  await produceCartEvents(env.topic(TOPIC.cartEvents), [
    cartEvent('k5', 'checkout.started', Date.now() + 2000 - ABANDON_MS, {
      customer: shopper,
      consent: [sms('granted', '2026-11-21T09:00:00.000Z')],
    }),
  ]);
  await sleep(9000);
  expect((await readSendDue(env.topic(TOPIC.sendDue), 2, 2000)).map((r) => r.event.cartId)).toEqual(['k3']);
  expect((await db.query(`SELECT status, reason FROM carts WHERE cart_id = 'k5'`)).rows).toEqual([
    { status: 'idle', reason: 'opted-out' },
  ]);
  expect((await db.query(`SELECT state FROM consent_records WHERE phone = $1`, [shopper.phone])).rows).toEqual([
    { state: 'granted' },
  ]);
  await db.close();
});
