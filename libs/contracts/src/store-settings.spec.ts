import {
  hasPlaintextSecret,
  settingsForVariant,
  StoreSettings,
  withoutAnySecret,
  withoutPlaintextSecrets,
  withoutSecrets,
} from './index';
import { storeSettingsContract } from './contracts';

const SEALED = `enc:v1:k1:${'A'.repeat(16)}:c2VjcmV0:${'B'.repeat(22)}`;

const settings = {
  storeId: 'lola',
  name: 'Lola',
  enabled: true,
  timezone: 'Europe/Madrid',
  defaultCountry: 'ES',
  locale: 'es',
  openingHours: { mon: [], tue: [], wed: [], thu: [], fri: [], sat: [], sun: [] },
  closedDates: [],
  abandonAfterMinutes: 30,
  sendDelayMinutes: 60,
  maxDeferralHours: 72,
  minHoursBetweenMessages: 24,
  whatsapp: { phoneNumberId: '106540352242922', mode: 'text', accessTokenCiphertext: SEALED },
  shopify: { webhookSecretCiphertext: SEALED },
} as StoreSettings;

describe('store settings secrets', () => {
  it('takes sealed secrets on the topic, and nothing that only looks sealed', () => {
    expect(storeSettingsContract.check(settings).ok).toBe(true);
    const forged = { ...settings, whatsapp: { ...settings.whatsapp, accessTokenCiphertext: 'enc:v1:k1:x' } };
    expect(storeSettingsContract.check(forged).ok).toBe(false);
  });

  it('shows a sealed secret only as set', () => {
    const shown = withoutSecrets(settings);
    expect(shown.whatsapp).toEqual({ phoneNumberId: '106540352242922', mode: 'text', accessTokenSet: true });
    expect(shown.shopify).toEqual({ webhookSecretSet: true });
    expect(JSON.stringify(shown)).not.toContain('enc:v1');
  });

  it("keeps no secret at all in the scheduler's copy", () => {
    const plain = { ...settings, whatsapp: { ...settings.whatsapp, accessToken: 'EAAG-secret' } };
    const kept = withoutAnySecret(plain);
    expect(JSON.stringify(kept)).not.toMatch(/enc:v1|EAAG-secret/);
    expect(kept.shopify).toEqual({});
    expect(storeSettingsContract.check(kept).ok).toBe(true);
  });

  it('tells and drops plaintext secrets of records published before encryption', () => {
    expect(hasPlaintextSecret(settings)).toBe(false);
    const legacy = {
      ...settings,
      whatsapp: { ...settings.whatsapp, accessToken: 'EAAG-secret' },
      shopify: { webhookSecret: 'shpss_0123456789' },
    };
    expect(hasPlaintextSecret(legacy)).toBe(true);
    const kept = withoutPlaintextSecrets(legacy);
    expect(hasPlaintextSecret(kept)).toBe(false);
    expect(kept.whatsapp.accessTokenCiphertext).toBe(SEALED);
    expect(JSON.stringify(kept)).not.toMatch(/EAAG-secret|shpss_/);
  });
});

describe('settingsForVariant', () => {
  const settings = {
    sendDelayMinutes: 60,
    messageTemplates: { es: 'Hola {{recoveryLink}}' },
    whatsapp: { templateName: 'cart_reminder' },
    experiments: {
      holdoutPercent: 0,
      variants: [
        { id: 'short', weight: 1, sendDelayMinutes: 15, messageTemplates: { es: '¡Vuelve! {{recoveryLink}}' } },
        { id: 'tpl', weight: 1, templateName: 'cart_reminder_v2' },
      ],
    },
  };

  it("gives a shopper's variant what it changes, and the store's own for the rest", () => {
    expect(settingsForVariant(settings, 'short')).toMatchObject({
      sendDelayMinutes: 15,
      messageTemplates: { es: '¡Vuelve! {{recoveryLink}}' },
      whatsapp: { templateName: 'cart_reminder' },
    });
    expect(settingsForVariant(settings, 'tpl')).toMatchObject({
      sendDelayMinutes: 60,
      messageTemplates: { es: 'Hola {{recoveryLink}}' },
      whatsapp: { templateName: 'cart_reminder_v2' },
    });
  });

  it("gives the store's own settings without a variant, or for one no longer in the settings", () => {
    expect(settingsForVariant(settings, undefined)).toBe(settings);
    expect(settingsForVariant(settings, null)).toBe(settings);
    expect(settingsForVariant(settings, 'removed')).toBe(settings);
  });
});
