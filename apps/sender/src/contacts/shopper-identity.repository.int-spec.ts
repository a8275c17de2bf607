// What the sender learns from Meta's webhooks, on the real PostgreSQL (the sender's migrations
// on a schema of their own): the first pair of a (store, phone) wins and a BSUID belongs to one
// phone per store; pending opt-outs are taken once; a Meta limit (131049) is never shortened
// and keeps its shopper from a frequency slot, also where the store's rule is off; template
// states found through the number's business account.
import type { DataSource } from 'typeorm';
import { schemaOfItsOwn } from '../../../../test/support/schema-of-its-own';
import { senderMigrations } from '../migrations';
import { TemplateStateRepository } from '../templates/template-state.repository';
import { FrequencySlotRepository } from './frequency-slot.repository';
import { MarketingLimitRepository } from './marketing-limit.repository';
import { ShopperIdentityRepository } from './shopper-identity.repository';

const HOUR = 3_600_000;
let dataSource: DataSource;
let drop: () => Promise<void>;
let identities: ShopperIdentityRepository;

beforeAll(async () => {
  ({ dataSource, drop } = await schemaOfItsOwn('sender_identities', senderMigrations));
  identities = new ShopperIdentityRepository(dataSource);
});

afterAll(() => drop());

const pair = (storeId: string, phone: string, userId: string) => ({ storeId, phone, userId, parentUserId: null });

describe('shopper identities', () => {
  it('keeps the first pair of a (store, phone), one phone per BSUID per store, and returns only new pairs', async () => {
    expect(await identities.learn([pair('a', '+34600000001', 'ES.1')])).toEqual([pair('a', '+34600000001', 'ES.1')]);
    // Another BSUID for that phone, the same BSUID for another phone: both refused.
    expect(await identities.learn([pair('a', '+34600000001', 'ES.2'), pair('a', '+34600000009', 'ES.1')])).toEqual([]);
    // Another store pairs on its own; two pairs for one phone in one batch: one of them.
    const fresh = await identities.learn([
      pair('b', '+34600000001', 'ES.1'),
      pair('b', '+34600000002', 'ES.3'),
      pair('b', '+34600000002', 'ES.4'),
    ]);
    expect(fresh).toHaveLength(2);
    expect((await identities.phonesOf(['a', 'b', 'c'], 'ES.1')).entries()).toEqual(
      new Map([
        ['a', '+34600000001'],
        ['b', '+34600000001'],
      ]).entries(),
    );
  });

  it('does not write a pair again once remembered', async () => {
    const p = pair('r', '+34600000011', 'ES.11');
    await identities.learn([p]);
    identities.remember([p]);
    await dataSource.query('DELETE FROM shopper_identities WHERE store_id = $1', ['r']);
    expect(await identities.learn([p])).toEqual([]);
    expect(await dataSource.query('SELECT 1 FROM shopper_identities WHERE store_id = $1', ['r'])).toEqual([]);
  });

  it('keeps the earliest pending opt-out of a BSUID and hands it over once', async () => {
    await identities.keepPending([
      { storeId: 'p', userId: 'ES.5', at: new Date('2026-12-07T10:00:00Z'), source: 'reply' },
    ]);
    await identities.keepPending([
      { storeId: 'p', userId: 'ES.5', at: new Date('2026-12-07T09:00:00Z'), source: 'reply' },
    ]);
    const learnt = [pair('p', '+34600000005', 'ES.5'), pair('p', '+34600000006', 'ES.6')];
    const taken = await dataSource.transaction((m) => identities.takePending(learnt, m));
    expect(taken).toEqual([{ storeId: 'p', userId: 'ES.5', at: new Date('2026-12-07T09:00:00Z'), source: 'reply' }]);
    expect(await dataSource.transaction((m) => identities.takePending(learnt, m))).toEqual([]);
  });
});

describe('marketing limits (131049)', () => {
  it('never shortens a limit, and no slot goes to a limited shopper, even with the rule off', async () => {
    const limits = new MarketingLimitRepository(dataSource);
    const slots = new FrequencySlotRepository(dataSource);
    const now = new Date();
    const phone = '+34600000100';
    await limits.hold([{ storeId: 'l', phone, until: new Date(now.getTime() + 24 * HOUR) }], now);
    await limits.hold([{ storeId: 'l', phone, until: new Date(now.getTime() + HOUR) }], now);
    const [row] = await dataSource.query('SELECT until FROM marketing_limits WHERE store_id = $1 AND phone = $2', [
      'l',
      phone,
    ]);
    expect(new Date(row.until).getTime()).toBe(now.getTime() + 24 * HOUR);
    for (const minHoursBetweenMessages of [24, 0]) {
      const granted = await dataSource.transaction((m) =>
        slots.reserve(
          [
            { storeId: 'l', phone, sendId: `held-${minHoursBetweenMessages}`, minHoursBetweenMessages },
            { storeId: 'l', phone: '+34600000101', sendId: `free-${minHoursBetweenMessages}`, minHoursBetweenMessages },
          ],
          now,
          m,
        ),
      );
      expect([...granted]).toEqual([`free-${minHoursBetweenMessages}`]);
    }
    expect(await dataSource.query('SELECT 1 FROM contacts WHERE phone = $1', [phone])).toEqual([]);
    // Once the limit ended, the shopper gets a slot again.
    const later = new Date(now.getTime() + 25 * HOUR);
    const after = await dataSource.transaction((m) =>
      slots.reserve([{ storeId: 'l', phone, sendId: 'after', minHoursBetweenMessages: 24 }], later, m),
    );
    expect([...after]).toEqual(['after']);
  });
});

describe('template states', () => {
  it("finds the stores of a paused template through their number's business account, and only those", async () => {
    const templates = new TemplateStateRepository(dataSource);
    const store = (storeId: string, phoneNumberId: string, templateName: string, mode = 'template') =>
      dataSource.query(`INSERT INTO store_settings (store_id, settings, updated_at) VALUES ($1, $2::jsonb, now())`, [
        storeId,
        JSON.stringify({ whatsapp: { phoneNumberId, mode, templateName } }),
      ]);
    await store('t-1', '2001', 'cart_reminder');
    await store('t-2', '2002', 'cart_reminder'); // another business account
    await store('t-3', '2001', 'other_template');
    await store('t-4', '2001', 'cart_reminder', 'text');
    await templates.learnNumbers([
      { phoneNumberId: '2001', wabaId: 'waba-1' },
      { phoneNumberId: '2002', wabaId: 'waba-2' },
    ]);
    const base = { wabaId: 'waba-1', templateId: '9', name: 'cart_reminder', language: 'es' };
    const [paused] = await templates.apply([
      {
        ...base,
        at: '2026-12-07T10:00:00.000Z',
        kind: 'status',
        status: 'PAUSED',
        reason: 'LOW_QUALITY',
        category: null,
      },
    ]);
    expect(paused).toMatchObject({ paused: true, resumed: false, stores: ['t-1'] });
    expect(await templates.holdingCount()).toBe(1);
    // Paused and approved again within one POST: it ends sendable.
    const [turn] = await templates.apply([
      { ...base, at: '2026-12-07T11:00:00.000Z', kind: 'status', status: 'DISABLED', reason: null, category: null },
      { ...base, at: '2026-12-07T12:00:00.000Z', kind: 'status', status: 'APPROVED', reason: null, category: null },
    ]);
    expect(turn).toMatchObject({ paused: false, resumed: true, stores: ['t-1'] });
    expect(await templates.holdingCount()).toBe(0);
    await templates.apply([
      {
        ...base,
        at: '2026-12-07T13:00:00.000Z',
        kind: 'category-completed',
        previousCategory: 'UTILITY',
        newCategory: 'MARKETING',
      },
    ]);
    expect(await templates.latestCategory('2001', 'cart_reminder')).toBe('MARKETING');
    expect(await templates.latestCategory('2002', 'cart_reminder')).toBeNull();
  });
});
