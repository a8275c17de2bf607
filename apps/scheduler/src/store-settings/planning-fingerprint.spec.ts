import { acceptStoreSettings } from '@lib/business-hours';
import { planningFingerprint } from './planning-fingerprint';

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

describe('the planning fingerprint of store settings', () => {
  it('only planning fields move carts', () => {
    const a = acceptStoreSettings(key, bytes(settings));
    const b = acceptStoreSettings(key, bytes({ ...settings, name: 'Lola', messageTemplates: { es: 'Hola' } }));
    const c = acceptStoreSettings(key, bytes({ ...settings, sendDelayMinutes: 10 }));
    if (!a.ok || !b.ok || !c.ok || a.value.kind !== 'put' || b.value.kind !== 'put' || c.value.kind !== 'put') {
      throw new Error('expected accepted settings');
    }
    expect(planningFingerprint(b.value.settings)).toBe(planningFingerprint(a.value.settings));
    expect(planningFingerprint(c.value.settings)).not.toBe(planningFingerprint(a.value.settings));
    expect(planningFingerprint(undefined)).toBe('none');
  });
});
