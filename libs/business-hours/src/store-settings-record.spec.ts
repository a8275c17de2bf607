import { acceptStoreSettings } from './store-settings-record';

const settings = {
  storeId: 'lola-shoes',
  name: 'Zapatería Lola',
  timezone: 'Europe/Madrid',
  defaultCountry: 'ES',
  locale: 'es',
  openingHours: { mon: [['09:00', '14:00']], tue: [], wed: [], thu: [], fri: [], sat: [], sun: [] },
  whatsapp: { phoneNumberId: '106540352242922', mode: 'text', accessToken: 'secret-token-123' },
};
const key = Buffer.from('lola-shoes');
const bytes = (v: unknown) => Buffer.from(JSON.stringify(v));

describe('store settings as every service takes them', () => {
  it('fills the contract defaults', () => {
    expect(acceptStoreSettings(key, bytes(settings))).toMatchObject({
      ok: true,
      value: { kind: 'put', settings: { enabled: true, minHoursBetweenMessages: 24, abandonAfterMinutes: 30 } },
    });
  });

  it('a tombstone deletes the store', () => {
    expect(acceptStoreSettings(key, null)).toEqual({ ok: true, value: { kind: 'delete', storeId: 'lola-shoes' } });
  });

  it('refuses what it cannot use, with a reason for the dead-letter topic', () => {
    expect(acceptStoreSettings(key, Buffer.from('{'))).toMatchObject({ ok: false, reason: 'not-json' });
    expect(acceptStoreSettings(null, bytes(settings))).toMatchObject({ ok: false, reason: 'invalid-id' });
    expect(acceptStoreSettings(Buffer.from('other'), bytes(settings))).toMatchObject({
      ok: false,
      reason: 'invalid-settings',
    });
    expect(acceptStoreSettings(key, bytes({ ...settings, whatsapp: { mode: 'text' } }))).toMatchObject({ ok: false });
    expect(acceptStoreSettings(key, bytes({ ...settings, sendDelayMinutes: 91 }))).toMatchObject({ ok: false });
  });

  it('refuses opening hours and time zones the scheduler could not plan with nor the sender check', () => {
    const overlapping = {
      ...settings.openingHours,
      mon: [
        ['09:00', '14:00'],
        ['13:00', '20:00'],
      ],
    };
    expect(acceptStoreSettings(key, bytes({ ...settings, openingHours: overlapping }))).toMatchObject({
      ok: false,
      reason: 'invalid-settings',
      error: expect.stringContaining('/openingHours'),
    });
    expect(acceptStoreSettings(key, bytes({ ...settings, timezone: 'Mars/Olympus' }))).toMatchObject({
      ok: false,
      reason: 'invalid-settings',
      error: expect.stringContaining('/timezone'),
    });
  });
});
