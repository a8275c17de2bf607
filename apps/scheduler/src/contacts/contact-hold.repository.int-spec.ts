// The scheduler's contact holds on the real PostgreSQL (the scheduler's migrations on a schema
// of its own): what @lib/contact-frequency decides is what the rows hold, and two claims
// deciding for one shopper take turns on the row lock.
import { randomUUID } from 'node:crypto';
import type { DataSource, QueryRunner } from 'typeorm';
import type { ContactAsk } from '@lib/contact-frequency';
import { schemaOfItsOwn } from '../../../../test/support/schema-of-its-own';
import { schedulerMigrations } from '../migrations';
import { ContactHoldRepository } from './contact-hold.repository';

const HOUR = 3_600_000;
let dataSource: DataSource;
let drop: () => Promise<void>;
let holds: ContactHoldRepository;
let shoppers = 0;

beforeAll(async () => {
  ({ dataSource, drop } = await schemaOfItsOwn('scheduler_holds', schedulerMigrations));
  holds = new ContactHoldRepository(dataSource);
});

afterAll(() => drop());

/** A phone of its own per test, so the tests share no shopper. */
function shopper(minHoursBetweenMessages = 24, storeId = 'lola-shoes') {
  const phone = `+3460080${String(++shoppers).padStart(4, '0')}`;
  return (sendId: string): ContactAsk => ({ storeId, phone, sendId, minHoursBetweenMessages });
}

async function holdOf(ask: ContactAsk) {
  const rows: Array<{ hold_send_id: string | null; hold_until: Date | null; last_sent_at: Date | null }> =
    await dataSource.query(
      'SELECT hold_send_id, hold_until, last_sent_at FROM contacts WHERE store_id = $1 AND phone = $2',
      [ask.storeId, ask.phone],
    );
  return rows[0];
}

async function openTransaction(): Promise<QueryRunner> {
  const runner = dataSource.createQueryRunner();
  await runner.connect();
  await runner.startTransaction();
  return runner;
}

const claim = (asks: ContactAsk[], at: Date) => dataSource.transaction((manager) => holds.decide(asks, at, manager));

describe('the scheduler keeps what the frequency rule decides', () => {
  it('two claims for one shopper: the second waits for the first and is capped; a rollback lets it through', async () => {
    const ask = shopper();
    const at = new Date();
    const [first, second] = [ask('first'), ask('second')];
    const rolledBack = await openTransaction();
    try {
      expect(await holds.decide([ask('rolled-back')], at, rolledBack.manager)).toEqual(
        new Map([['rolled-back', 'granted']]),
      );
      const waiting = claim([first], at);
      await new Promise((r) => setTimeout(r, 300));
      await rolledBack.rollbackTransaction();
      expect(await waiting).toEqual(new Map([['first', 'granted']]));
    } finally {
      await rolledBack.release();
    }
    const holder = await openTransaction();
    try {
      // The shopper's row exists now: locked as it is, read, decided.
      expect(await holds.decide([second], new Date(at.getTime() + 25 * HOUR), holder.manager)).toEqual(
        new Map([['second', 'granted']]),
      );
      const waiting = claim([ask('third')], new Date(at.getTime() + 25 * HOUR));
      await new Promise((r) => setTimeout(r, 300));
      await holder.commitTransaction();
      expect(await waiting).toEqual(new Map([['third', 'frequency-cap']]));
    } finally {
      await holder.release();
    }
    expect(await holdOf(first)).toEqual({
      hold_send_id: 'second',
      hold_until: new Date(at.getTime() + 49 * HOUR),
      last_sent_at: null,
    });
  });

  it('opted-out shoppers never; one per shopper per claim; stores without the rule keep no hold', async () => {
    const optedOut = shopper();
    await holds.optOut(optedOut('x').storeId, optedOut('x').phone, new Date().toISOString());
    const ask = shopper();
    const free = shopper(0);
    const at = new Date();
    expect(await claim([optedOut('bye'), ask('one'), ask('two'), free('f1'), free('f2')], at)).toEqual(
      new Map([
        ['bye', 'opted-out'],
        ['one', 'granted'],
        ['two', 'frequency-cap'],
        ['f1', 'granted'],
        ['f2', 'granted'],
      ]),
    );
    expect(await holdOf(free('f1'))).toBeUndefined();
    expect(await holdOf(ask('one'))).toMatchObject({ hold_send_id: 'one' });
  });

  it("the sender's outcomes settle the hold: went out holds from then, never reached releases it, others' holds stay", async () => {
    const storeId = `settle-${randomUUID().slice(0, 6)}`;
    await dataSource.query(`INSERT INTO store_settings (store_id, settings) VALUES ($1, $2::jsonb)`, [
      storeId,
      JSON.stringify({ storeId, minHoursBetweenMessages: 10 }),
    ]);
    const sent = shopper(24, storeId);
    const failed = shopper(24, storeId);
    const at = new Date(Date.now() - HOUR);
    await claim([sent('went-out'), failed('never-reached')], at);
    const wentOutAt = new Date(at.getTime() + 20 * HOUR);
    await holds.settleHolds([
      { storeId, sendId: 'went-out', wentOut: true, at: wentOutAt.toISOString() },
      { storeId, sendId: 'never-reached', wentOut: false, at: at.toISOString() },
      { storeId, sendId: 'nobody-holds', wentOut: false, at: at.toISOString() },
    ]);
    // From when it went out, by the store's minimum now (10 h), never less than held.
    expect(await holdOf(sent('went-out'))).toEqual({
      hold_send_id: 'went-out',
      hold_until: new Date(wentOutAt.getTime() + 10 * HOUR),
      last_sent_at: wentOutAt,
    });
    expect(await holdOf(failed('never-reached'))).toEqual({ hold_send_id: null, hold_until: null, last_sent_at: null });
    await holds.settleHolds([{ storeId, sendId: 'went-out', wentOut: true, at: at.toISOString() }]);
    expect(await holdOf(sent('went-out'))).toMatchObject({
      hold_until: new Date(wentOutAt.getTime() + 10 * HOUR),
      last_sent_at: wentOutAt,
    });
  });
});
