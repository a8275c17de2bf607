// The sender's frequency slots on the real PostgreSQL (the sender's migrations on a schema of
// its own): what @lib/contact-frequency decides is what the rows hold, and two transactions
// deciding for one shopper take turns on the row lock.
import type { DataSource, QueryRunner } from 'typeorm';
import type { ContactAsk } from '@lib/contact-frequency';
import { schemaOfItsOwn } from '../../../../test/support/schema-of-its-own';
import { senderMigrations } from '../migrations';
import { FrequencySlotRepository } from './frequency-slot.repository';

const HOUR = 3_600_000;
let dataSource: DataSource;
let drop: () => Promise<void>;
let slots: FrequencySlotRepository;
let shoppers = 0;

beforeAll(async () => {
  ({ dataSource, drop } = await schemaOfItsOwn('sender_slots', senderMigrations));
  slots = new FrequencySlotRepository(dataSource);
});

afterAll(() => drop());

/** A phone of its own per test, so the tests share no shopper. */
function shopper(minHoursBetweenMessages = 24) {
  const phone = `+3460070${String(++shoppers).padStart(4, '0')}`;
  return (sendId: string): ContactAsk => ({ storeId: 'lola-shoes', phone, sendId, minHoursBetweenMessages });
}

async function slotOf(ask: ContactAsk) {
  const rows: Array<{ last_send_id: string; last_sent_at: Date; hold_until: Date }> = await dataSource.query(
    'SELECT last_send_id, last_sent_at, hold_until FROM contacts WHERE store_id = $1 AND phone = $2',
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

const inTransaction = (asks: ContactAsk[], at: Date) =>
  dataSource.transaction((manager) => slots.reserve(asks, at, manager));

describe('the sender keeps what the frequency rule decides', () => {
  it('two transactions for one new shopper: the second waits for the first and is capped; a rollback lets it through', async () => {
    const ask = shopper();
    const at = new Date();
    for (const outcome of ['commit', 'rollback'] as const) {
      const [first, second] = [ask(`first-${outcome}`), ask(`second-${outcome}`)];
      const holder = await openTransaction();
      try {
        expect(await slots.reserve([first], at, holder.manager)).toEqual(new Set([first.sendId]));
        let settled = false;
        const waiting = inTransaction([second], at).finally(() => (settled = true));
        await new Promise((r) => setTimeout(r, 300));
        expect(settled).toBe(false); // on the row lock
        if (outcome === 'commit') await holder.commitTransaction();
        else await holder.rollbackTransaction();
        const granted = await waiting;
        if (outcome === 'commit') {
          expect(granted).toEqual(new Set());
          expect(await slotOf(first)).toMatchObject({ last_send_id: first.sendId });
        } else {
          expect(granted).toEqual(new Set([second.sendId]));
          expect(await slotOf(second)).toMatchObject({ last_send_id: second.sendId });
        }
      } finally {
        await holder.release();
      }
      // Ready for the next round: the shopper free again.
      await dataSource.query('DELETE FROM contacts WHERE phone = $1', [first.phone]);
    }
  });

  it('two transactions for a shopper whose hold ended: the one that locks the row first takes it', async () => {
    const ask = shopper();
    await inTransaction([ask('long-ago')], new Date(Date.now() - 30 * HOUR));
    const at = new Date();
    const holder = await openTransaction();
    try {
      expect(await slots.reserve([ask('first')], at, holder.manager)).toEqual(new Set(['first']));
      const waiting = inTransaction([ask('second')], at);
      await new Promise((r) => setTimeout(r, 300));
      await holder.commitTransaction();
      expect(await waiting).toEqual(new Set());
      expect(await slotOf(ask('first'))).toMatchObject({ last_send_id: 'first', last_sent_at: at });
    } finally {
      await holder.release();
    }
  });

  it('a running hold caps another message, its own message passes and moves it, an ended one is taken over', async () => {
    const ask = shopper();
    const at = new Date(Date.now() - 30 * HOUR);
    const first = ask('first');
    expect(await inTransaction([first, ask('same-batch')], at)).toEqual(new Set([first.sendId]));
    expect(await slotOf(first)).toEqual({
      last_send_id: first.sendId,
      last_sent_at: at,
      hold_until: new Date(at.getTime() + 24 * HOUR),
    });
    expect(await inTransaction([ask('too-soon')], new Date(at.getTime() + 23 * HOUR))).toEqual(new Set());
    const again = new Date(at.getTime() + HOUR);
    expect(await inTransaction([first], again)).toEqual(new Set([first.sendId]));
    expect(await slotOf(first)).toMatchObject({ last_sent_at: again });
    const later = new Date(at.getTime() + 25 * HOUR);
    expect(await inTransaction([ask('next-day')], later)).toEqual(new Set(['next-day']));
    expect(await slotOf(first)).toEqual({
      last_send_id: 'next-day',
      last_sent_at: later,
      hold_until: new Date(later.getTime() + 24 * HOUR),
    });
  });

  it('where the rule is off every message goes, and the first is recorded', async () => {
    const ask = shopper(0);
    const at = new Date();
    expect(await inTransaction([ask('a'), ask('b')], at)).toEqual(new Set(['a', 'b']));
    expect(await slotOf(ask('a'))).toEqual({ last_send_id: 'a', last_sent_at: at, hold_until: at });
  });

  it('release gives back only the slot the failed message still holds', async () => {
    const ask = shopper();
    const at = new Date(Date.now() - 30 * HOUR);
    await inTransaction([ask('old')], at);
    await inTransaction([ask('new')], new Date(at.getTime() + 25 * HOUR));
    await slots.release([ask('old')]);
    expect(await slotOf(ask('new'))).toMatchObject({ last_send_id: 'new' });
    await slots.release([ask('new')]);
    expect(await slotOf(ask('new'))).toBeUndefined();
    expect(await inTransaction([ask('after-release')], new Date())).toEqual(new Set(['after-release']));
  });
});
