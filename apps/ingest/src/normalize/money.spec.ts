import { currencyDigits, moneyWithDigits } from './money';

describe('money with the currency digits', () => {
  it('knows ISO 4217 minor units and refuses codes that are not in the standard', () => {
    expect(currencyDigits('EUR')).toBe(2);
    expect(currencyDigits('jpy')).toBe(0);
    expect(currencyDigits('KWD')).toBe(3);
    expect(currencyDigits('XYZ')).toBeUndefined();
  });

  it('pads, trims zeros and keeps whole amounts as they are', () => {
    expect(moneyWithDigits('59.9', 2)).toEqual({ ok: true, value: '59.90' });
    expect(moneyWithDigits('59', 2)).toEqual({ ok: true, value: '59.00' });
    expect(moneyWithDigits('1200.00', 0)).toEqual({ ok: true, value: '1200' });
    expect(moneyWithDigits('0.5', 3)).toEqual({ ok: true, value: '0.500' });
    expect(moneyWithDigits('59.9000', 2)).toEqual({ ok: true, value: '59.90' });
  });

  it('rejects amounts it would have to round, and anything not a decimal string', () => {
    expect(moneyWithDigits('59.999', 2)).toMatchObject({ ok: false });
    expect(moneyWithDigits('1200.5', 0)).toMatchObject({ ok: false });
    for (const bad of ['59,90', '1e3', '-1.00', '01.00', '', ' 1.00', '.5']) {
      expect(moneyWithDigits(bad, 2)).toMatchObject({ ok: false });
    }
  });
});
