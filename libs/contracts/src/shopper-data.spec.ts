import { checkShopperDataQuery, shopperDataRow } from './shopper-data';

describe('checkShopperDataQuery', () => {
  it('takes an E.164 phone and a store id, or no store (every store)', () => {
    expect(checkShopperDataQuery('+34600111222', 'lola-shoes')).toEqual({
      ok: true,
      phone: '+34600111222',
      storeId: 'lola-shoes',
    });
    expect(checkShopperDataQuery('+34600111222', undefined)).toEqual({
      ok: true,
      phone: '+34600111222',
      storeId: null,
    });
    expect(checkShopperDataQuery('+34600111222', '')).toEqual({ ok: true, phone: '+34600111222', storeId: null });
  });

  it('refuses a phone not in E.164 and a store id of another shape with 422, every problem named', () => {
    for (const phone of ['34600111222', '600111222', '+0600111222', '+34 600 111 222', '+3460', undefined]) {
      expect(checkShopperDataQuery(phone, undefined)).toEqual({
        ok: false,
        status: 422,
        problems: ['phone: must be E.164 (+34600111222)'],
      });
    }
    const both = checkShopperDataQuery('nope', 'a/b');
    expect(both).toEqual({
      ok: false,
      status: 422,
      problems: [
        'phone: must be E.164 (+34600111222)',
        'storeId: must match [A-Za-z0-9._-]{1,64} (or be left out: every store)',
      ],
    });
    expect(checkShopperDataQuery('+34600111222', 'x'.repeat(65))).toMatchObject({ ok: false, status: 422 });
  });

  it('refuses storeId given twice with 400', () => {
    expect(checkShopperDataQuery('+34600111222', ['a', 'b'])).toEqual({
      ok: false,
      status: 400,
      problems: ['storeId: given more than once'],
    });
  });
});

describe('shopperDataRow', () => {
  it('names every column in camelCase and keeps every value as it is', () => {
    const facts = { phone: { v: '+34600111222' }, items: { v: [{ title: 'Red shoes' }] } };
    expect(
      shopperDataRow({
        store_id: 's',
        cart_id: 'c',
        facts,
        opted_out_at: null,
        order_total: 12.5,
        wording_version: 'v2',
      }),
    ).toEqual({ storeId: 's', cartId: 'c', facts, optedOutAt: null, orderTotal: 12.5, wordingVersion: 'v2' });
  });
});
