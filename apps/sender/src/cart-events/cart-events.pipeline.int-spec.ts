// The sender's cart-events pipeline on the real PostgreSQL (the sender's migrations on a schema
// of its own): closures are remembered, and a consent withdrawal becomes the sender's own
// opt-out, so a send-due the scheduler emitted before it learnt of it is skipped.
import type { DataSource } from 'typeorm';
import type { CartEvent, Consent } from '@lib/contracts';
import type { ConsumedRecord } from '@lib/kafka';
import { schemaOfItsOwn } from '../../../../test/support/schema-of-its-own';
import { senderMigrations } from '../migrations';
import { OptOutRepository } from '../opt-outs/opt-out.repository';
import { CartClosureRepository } from './cart-closure.repository';
import { CartEventsPipeline } from './cart-events.pipeline';

let dataSource: DataSource;
let drop: () => Promise<void>;
let pipeline: CartEventsPipeline;
let optOuts: OptOutRepository;
let offset = 0;

beforeAll(async () => {
  ({ dataSource, drop } = await schemaOfItsOwn('sender_cart_events', senderMigrations));
  optOuts = new OptOutRepository(dataSource);
  pipeline = new CartEventsPipeline(new CartClosureRepository(dataSource), optOuts);
});

afterAll(() => drop());

function record(value: CartEvent | string): ConsumedRecord {
  return {
    topic: 'cart-events',
    partition: 0,
    offset: String(offset++),
    key: null,
    value: Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)),
    headers: {},
    timestamp: String(Date.now()),
  };
}

const event = (
  cartId: string,
  phone: string,
  consent: Consent[],
  type: CartEvent['type'] = 'cart.updated',
): CartEvent => ({
  schemaVersion: 1,
  eventId: `e-${cartId}-${offset}`,
  type,
  occurredAt: '2026-11-25T10:00:00.000Z',
  storeId: 'lola-shoes',
  cartId,
  customer: { phone, whatsappOptIn: true },
  consent,
});
const sms = (state: Consent['state'], at: string): Consent => ({ channel: 'sms', state, source: 'shopify:x', at });

it('a withdrawal is an opt-out of the store from its time; a grant or an email withdrawal is not; unreadable records are skipped', async () => {
  const withdrawing = '+34600888001';
  const granting = '+34600888002';
  const emailOnly = '+34600888003';
  expect(
    await pipeline.handle([
      record('{not json'),
      record(event('c1', withdrawing, [sms('granted', '2026-11-01T00:00:00.000Z')])),
      record(event('c1', withdrawing, [sms('withdrawn', '2026-11-20T00:00:00.000Z')])),
      record(event('c2', granting, [sms('granted', '2026-11-20T00:00:00.000Z')])),
      record(event('c3', emailOnly, [{ channel: 'email', state: 'withdrawn', source: 'shopify:y' }])),
      record({ ...event('c4', granting, []), type: 'cart.converted', orderId: 'o-1' }),
    ]),
  ).toEqual({});
  const found = await optOuts.optedOut(
    [withdrawing, granting, emailOnly].map((phone) => ({ storeId: 'lola-shoes', phone })),
  );
  expect([withdrawing, granting, emailOnly].map((p) => found.has('lola-shoes', p))).toEqual([true, false, false]);
  expect(await dataSource.query(`SELECT phone, opted_out_at, source FROM opt_outs ORDER BY phone`)).toEqual([
    { phone: withdrawing, opted_out_at: new Date('2026-11-20T00:00:00.000Z'), source: 'consent-withdrawn' },
  ]);
  expect(
    (await dataSource.query(`SELECT cart_id, kind FROM cart_closures`)).map((r: { cart_id: string }) => r.cart_id),
  ).toEqual(['c4']);
});
