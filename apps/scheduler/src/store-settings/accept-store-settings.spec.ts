import { acceptStoreSettings, planningFingerprint } from './accept-store-settings';

const settings = {
  storeId: 'lola-shoes',
  name: 'Zapatería Lola',
  timezone: 'Europe/Madrid',
  defaultCountry: 'ES',
  locale: 'es',
  openingHours: { mon: [['09:00', '14:00']], tue: [], wed: [], thu: [], fri: [], sat: [], sun: [] },
  whatsapp: { phoneNumberId: '106540352242922', mode: 'text' },
};
const key = Buffer.from('lola-shoes');
const bytes = (v: unknown) => Buffer.from(JSON.stringify(v));
const noProblem = () => null;

describe('accepting store settings', () => {
  it('fills the defaults of the contract', () => {
    const accepted = acceptStoreSettings(key, bytes(settings), noProblem);
    expect(accepted).toMatchObject({
      ok: true,
      value: { kind: 'put', settings: { enabled: true, abandonAfterMinutes: 30, minHoursBetweenMessages: 24 } },
    });
  });

  it('a tombstone deletes the store', () => {
    expect(acceptStoreSettings(key, null, noProblem)).toEqual({
      ok: true,
      value: { kind: 'delete', storeId: 'lola-shoes' },
    });
  });

  it('rejects what would break planning, with a reason', () => {
    expect(acceptStoreSettings(key, Buffer.from('{'), noProblem)).toMatchObject({ ok: false, reason: 'not-json' });
    expect(acceptStoreSettings(key, bytes({ ...settings, sendDelayMinutes: 91 }), noProblem)).toMatchObject({
      ok: false,
    });
    expect(acceptStoreSettings(key, bytes({ ...settings, timezone: 'Mars/Olympus' }), noProblem)).toMatchObject({
      ok: false,
      reason: 'invalid-settings',
    });
    expect(acceptStoreSettings(Buffer.from('other'), bytes(settings), noProblem)).toMatchObject({
      ok: false,
      reason: 'invalid-settings',
    });
    expect(acceptStoreSettings(key, bytes(settings), () => 'mon: intervals overlap')).toMatchObject({
      ok: false,
      reason: 'invalid-settings',
      error: '/openingHours: mon: intervals overlap',
    });
    expect(acceptStoreSettings(null, bytes(settings), noProblem)).toMatchObject({ ok: false, reason: 'invalid-id' });
  });

  it('only planning fields move carts', () => {
    const a = acceptStoreSettings(key, bytes(settings), noProblem);
    const b = acceptStoreSettings(
      key,
      bytes({ ...settings, name: 'Lola', messageTemplates: { es: 'Hola' } }),
      noProblem,
    );
    const c = acceptStoreSettings(key, bytes({ ...settings, sendDelayMinutes: 10 }), noProblem);
    if (!a.ok || !b.ok || !c.ok || a.value.kind !== 'put' || b.value.kind !== 'put' || c.value.kind !== 'put') {
      throw new Error('expected accepted settings');
    }
    expect(planningFingerprint(b.value.settings)).toBe(planningFingerprint(a.value.settings));
    expect(planningFingerprint(c.value.settings)).not.toBe(planningFingerprint(a.value.settings));
    expect(planningFingerprint(undefined)).toBe('none');
  });
});
