// The sender's erasure on the real PostgreSQL (its migrations on a schema of its own): every row
// holding the shopper's phone goes, their opt-out stays as a suppression by hash, which the send
// decision's opt-out lookup sees, and an opt-out read again from the topic does not bring the
// phone back.
import type { DataSource } from 'typeorm';
import { parsePhoneHashKey } from '@lib/secrets';
import { schemaOfItsOwn } from '../../../../test/support/schema-of-its-own';
import { senderMigrations } from '../migrations';
import { OptOutRepository } from '../opt-outs/opt-out.repository';
import { ErasureRepository } from './erasure.repository';

const PHONE = '+34600555111';
const OTHER = '+34600555222';
const key = parsePhoneHashKey(Buffer.alloc(32, 5).toString('base64'));
let dataSource: DataSource;
let drop: () => Promise<void>;

beforeAll(async () => {
  ({ dataSource, drop } = await schemaOfItsOwn('sender_erasure', senderMigrations));
});

afterAll(() => drop());

async function seed(store: string, phone: string, cart: string) {
  await dataSource.query(
    `INSERT INTO messages (send_id, store_id, cart_id, phone, state, rendered_text, template, history, send_due)
     VALUES ($1, $2, $3, $4, 'read', 'Hola Ana, tus Botines', '{"name":"Ana"}', '[{"state":"sent"}]', '{"customer":{"firstName":"Ana"}}')`,
    [`${store}:${cart}:1`, store, cart, phone],
  );
  await dataSource.query(
    `INSERT INTO contacts (store_id, phone, last_send_id, last_sent_at, hold_until) VALUES ($1, $2, $3, now(), now())`,
    [store, phone, `${store}:${cart}:1`],
  );
  await dataSource.query(`INSERT INTO shopper_identities (store_id, phone, user_id) VALUES ($1, $2, $3)`, [
    store,
    phone,
    `US.${cart}`,
  ]);
  await dataSource.query(
    `INSERT INTO marketing_limits (store_id, phone, limited_at, until) VALUES ($1, $2, now(), now())`,
    [store, phone],
  );
}

it("erases the shopper's rows at the store, keeps the opt-out as a suppression the send decision sees", async () => {
  await seed('lola-shoes', PHONE, 'c1');
  await seed('lola-shoes', OTHER, 'c2');
  await seed('other-store', PHONE, 'c3');
  const optOuts = new OptOutRepository(dataSource, { ERASURE_HASH_KEY: key });
  await optOuts.record([
    { storeId: 'lola-shoes', phone: PHONE, at: new Date('2026-12-01T10:00:00Z'), source: 'reply' },
  ]);

  const requestedAt = new Date();
  const repository = new ErasureRepository(dataSource);
  const erased = await repository.erase({
    id: '0b5f3f6e-8d8e-4e4b-9a8e-2f1c7d9b6a11',
    phone: PHONE,
    phoneHash: key.hash(PHONE),
    storeId: 'lola-shoes',
    requestedAt,
  });
  expect(erased).toEqual({ opt_outs: 1, messages: 1, contacts: 1, shopper_identities: 1, marketing_limits: 1 });

  const left = async (store: string) => {
    let n = 0;
    for (const table of [
      'messages',
      'contacts',
      'shopper_identities',
      'marketing_limits',
      'opt_outs',
      'suppressions',
    ]) {
      const [row] = await dataSource.query(
        `SELECT count(*) AS n FROM ${table} t WHERE t.store_id = $2 AND row_to_json(t)::text LIKE '%' || $1 || '%'`,
        [PHONE.slice(3), store],
      );
      n += Number(row.n);
    }
    return n;
  };
  expect(await left('lola-shoes')).toBe(0);
  expect(await left('other-store')).toBe(4); // another store's rows of the phone stay

  const [suppression] = await dataSource.query('SELECT * FROM suppressions');
  expect(suppression).toMatchObject({ store_id: 'lola-shoes', phone_hash: key.hash(PHONE), source: 'reply' });
  expect(suppression.opted_out_at.toISOString()).toBe('2026-12-01T10:00:00.000Z');

  // The send decision's lookup: suppressed at that store only, and only with the key.
  const found = await optOuts.optedOut([
    { storeId: 'lola-shoes', phone: PHONE },
    { storeId: 'lola-shoes', phone: OTHER },
    { storeId: 'other-store', phone: PHONE },
  ]);
  expect([found.has('lola-shoes', PHONE), found.has('lola-shoes', OTHER), found.has('other-store', PHONE)]).toEqual([
    true,
    false,
    false,
  ]);
  expect(
    (await new OptOutRepository(dataSource).optedOut([{ storeId: 'lola-shoes', phone: PHONE }])).has(
      'lola-shoes',
      PHONE,
    ),
  ).toBe(false);

  // The opt-out read again from message-outcomes (still on the topic) does not bring the phone back.
  expect(
    await optOuts.record([
      { storeId: 'lola-shoes', phone: PHONE, at: new Date('2026-12-01T10:00:00Z'), source: 'reply' },
    ]),
  ).toEqual([]);
  expect(await left('lola-shoes')).toBe(0);

  // A send-due of hers detected before the erasure, still on the topic, is dropped; a later one is not.
  const sendDues = [
    { storeId: 'lola-shoes', phone: PHONE, detectedAt: requestedAt.getTime() - 1000 },
    { storeId: 'lola-shoes', phone: PHONE, detectedAt: requestedAt.getTime() + 1000 },
    { storeId: 'other-store', phone: PHONE, detectedAt: requestedAt.getTime() - 1000 },
    { storeId: 'lola-shoes', phone: OTHER, detectedAt: requestedAt.getTime() - 1000 },
  ];
  expect(await repository.withoutErased(sendDues, key, (d) => d)).toEqual(sendDues.slice(1));
});
