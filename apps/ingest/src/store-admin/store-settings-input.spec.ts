import { withoutSecrets, type StoreSettings } from '@lib/contracts';
import { checkStoreSettings } from './store-settings-input';

const week = {
  mon: [
    ['09:00', '14:00'],
    ['16:00', '20:00'],
  ],
  tue: [],
  wed: [],
  thu: [],
  fri: [],
  sat: [['10:00', '14:00']],
  sun: [],
};
const valid = {
  name: 'Zapatería Lola',
  timezone: 'Europe/Madrid',
  defaultCountry: 'ES',
  locale: 'es',
  openingHours: week,
  closedDates: ['2026-12-25'],
  whatsapp: { phoneNumberId: '106540352242922', accessToken: 'EAAG-secret-token', mode: 'text' },
  messageTemplates: { es: '¡Hola {{firstName}}! Tu carrito te espera: {{recoveryLink}}' },
  shopify: { webhookSecret: 'shpss_0123456789' },
};

describe('checkStoreSettings', () => {
  it("takes links: an https base URL of ingest's /r/ route and UTM names, refused with the field named", () => {
    const links = { baseUrl: 'https://links.lola.example/go', utmCampaign: 'navidad', utmMedium: 'whatsapp-message' };
    expect(checkStoreSettings('lola-shoes', { ...valid, links }, undefined)).toMatchObject({
      ok: true,
      settings: { links },
    });
    expect(checkStoreSettings('lola-shoes', { ...valid, links: {} }, undefined)).toMatchObject({ ok: true });
    for (const baseUrl of [
      'http://links.lola.example',
      'https://links.lola.example/',
      'https://x.example/r?a=1',
      'links',
    ]) {
      const out = checkStoreSettings('lola-shoes', { ...valid, links: { baseUrl } }, undefined);
      expect({ baseUrl, problems: out.ok ? [] : out.problems }).toEqual({
        baseUrl,
        problems: expect.arrayContaining([expect.stringMatching(/^links\.baseUrl: /)]),
      });
    }
    const out = checkStoreSettings('lola-shoes', { ...valid, links: { utmCampaign: '', other: 1 } }, undefined);
    expect(out.ok ? [] : out.problems).toEqual(
      expect.arrayContaining([expect.stringMatching(/^links\.utmCampaign: /), expect.stringMatching(/links/)]),
    );
  });

  it('takes experiments: the holdout percent (0 to 50, default 0) and a period name, refused with the field named', () => {
    expect(
      checkStoreSettings('lola-shoes', { ...valid, experiments: { holdoutPercent: 10, period: '2026-12' } }, undefined),
    ).toMatchObject({ ok: true, settings: { experiments: { holdoutPercent: 10, period: '2026-12' } } });
    expect(checkStoreSettings('lola-shoes', { ...valid, experiments: {} }, undefined)).toMatchObject({
      ok: true,
      settings: { experiments: { holdoutPercent: 0 } },
    });
    const out = checkStoreSettings(
      'lola-shoes',
      { ...valid, experiments: { holdoutPercent: 51, period: 'no spaces allowed' } },
      undefined,
    );
    expect(out.ok).toBe(false);
    const problems = out.ok ? [] : out.problems;
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^experiments\.holdoutPercent: .*50/),
        expect.stringMatching(/^experiments\.period: /),
      ]),
    );
    const fraction = checkStoreSettings('lola-shoes', { ...valid, experiments: { holdoutPercent: 7.5 } }, undefined);
    expect(fraction.ok ? [] : fraction.problems).toEqual([
      expect.stringMatching(/^experiments\.holdoutPercent: .*integer/),
    ]);
  });

  it("takes A/B variants (2 or 3, distinct ids, the mode's own message), refused with the field named", () => {
    const variants = [
      { id: 'a', weight: 50 },
      { id: 'short', weight: 50, sendDelayMinutes: 15, messageTemplates: { es: '¡Vuelve! {{recoveryLink}}' } },
    ];
    expect(
      checkStoreSettings('lola-shoes', { ...valid, experiments: { holdoutPercent: 10, variants } }, undefined),
    ).toMatchObject({ ok: true, settings: { experiments: { variants } } });
    const problemsOf = (experiments: unknown, patch: Record<string, unknown> = {}) => {
      const out = checkStoreSettings('lola-shoes', { ...valid, ...patch, experiments }, undefined);
      return out.ok ? [] : out.problems;
    };
    expect(problemsOf({ holdoutPercent: 0, variants: [variants[0]] })).toEqual([
      expect.stringMatching(/^experiments\.variants: /),
    ]);
    expect(problemsOf({ holdoutPercent: 0, variants: [variants[0], { ...variants[1], id: 'a' }] })).toEqual([
      'experiments.variants[1].id: "a" names another variant too',
    ]);
    expect(problemsOf({ holdoutPercent: 0, variants: [variants[0], { id: 'b', weight: 0 }] })).toEqual([
      expect.stringMatching(/^experiments\.variants\.1\.weight: /),
    ]);
    expect(
      problemsOf({
        holdoutPercent: 0,
        variants: [variants[0], { id: 'b', weight: 1, messageTemplates: { es: 'Sin enlace' } }],
      }),
    ).toEqual(['experiments.variants[1].messageTemplates.es: never gives the recovery link; add {{recoveryLink}}']);
    expect(
      problemsOf({
        holdoutPercent: 0,
        variants: [variants[0], { id: 'b', weight: 1, templateName: 'cart_reminder_v2' }],
      }),
    ).toEqual(['experiments.variants[1].templateName: only in template mode (whatsapp.mode is "text")']);
  });

  it('takes attribution windows: click 1 to 720 hours (default 120), message 1 to 168 (default 24), refused with the field named', () => {
    expect(
      checkStoreSettings(
        'lola-shoes',
        { ...valid, attribution: { clickWindowHours: 48, messageWindowHours: 12 } },
        undefined,
      ),
    ).toMatchObject({ ok: true, settings: { attribution: { clickWindowHours: 48, messageWindowHours: 12 } } });
    expect(checkStoreSettings('lola-shoes', { ...valid, attribution: {} }, undefined)).toMatchObject({
      ok: true,
      settings: { attribution: { clickWindowHours: 120, messageWindowHours: 24 } },
    });
    const out = checkStoreSettings(
      'lola-shoes',
      { ...valid, attribution: { clickWindowHours: 721, messageWindowHours: 0 } },
      undefined,
    );
    expect(out.ok ? [] : out.problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^attribution\.clickWindowHours: .*720/),
        expect.stringMatching(/^attribution\.messageWindowHours: .*1/),
      ]),
    );
    const week = checkStoreSettings('lola-shoes', { ...valid, attribution: { messageWindowHours: 169 } }, undefined);
    expect(week.ok ? [] : week.problems).toEqual([expect.stringMatching(/^attribution\.messageWindowHours: .*168/)]);
  });

  it('fills the defaults, takes the path store id, drops unknown fields and keeps platform sections', () => {
    const out = checkStoreSettings('lola-shoes', { ...valid, color: 'red' }, undefined);
    expect(out).toMatchObject({
      ok: true,
      settings: {
        storeId: 'lola-shoes',
        enabled: true,
        abandonAfterMinutes: 30,
        sendDelayMinutes: 60,
        maxDeferralHours: 72,
        minHoursBetweenMessages: 24,
        shopify: { webhookSecret: 'shpss_0123456789' },
      },
    });
    expect(out.ok && 'color' in out.settings).toBe(false);
  });

  it('lists every problem at once: zone, overlaps, ranges, templates, mode fields, ids', () => {
    const out = checkStoreSettings(
      'lola-shoes',
      {
        ...valid,
        storeId: 'other',
        sendDelayMinutes: 91,
      },
      undefined,
    );
    expect(out).toEqual({
      ok: false,
      problems: expect.arrayContaining([expect.stringMatching(/^storeId/), expect.stringMatching(/^sendDelayMinutes/)]),
    });
    const semantic = checkStoreSettings(
      'lola-shoes',
      {
        ...valid,
        timezone: 'Mars/Olympus',
        openingHours: {
          ...week,
          tue: [
            ['09:00', '14:00'],
            ['13:00', '15:00'],
          ],
          wed: [['18:00', '09:00']],
        },
        whatsapp: { phoneNumberId: '106540352242922', mode: 'template' },
        messageTemplates: { es: 'Hola {{#if}}' },
      },
      undefined,
    );
    expect(semantic.ok).toBe(false);
    const problems = semantic.ok ? [] : semantic.problems;
    for (const field of [
      'timezone',
      'openingHours.tue',
      'openingHours.wed',
      'whatsapp.accessToken',
      'whatsapp.templateName',
      'whatsapp.templateLanguage',
      'messageTemplates.es',
    ])
      expect(problems.some((p) => p.startsWith(field))).toBe(true);
  });

  it('keeps write-only secrets left out of a PUT, and GET shows only whether they are set', () => {
    const first = checkStoreSettings('lola-shoes', valid, undefined);
    const previous = (first.ok ? first.settings : undefined) as StoreSettings;
    const shown = withoutSecrets(previous);
    expect(JSON.stringify(shown)).not.toMatch(/EAAG-secret-token|shpss_0123456789/);
    expect(shown.whatsapp.accessTokenSet).toBe(true);
    expect(shown.shopify).toEqual({ webhookSecretSet: true });
    // The GET answer sent back unchanged keeps both secrets.
    const again = checkStoreSettings('lola-shoes', shown, previous);
    expect(again).toMatchObject({
      ok: true,
      settings: { whatsapp: { accessToken: 'EAAG-secret-token' }, shopify: { webhookSecret: 'shpss_0123456789' } },
    });
    expect(again.ok && 'accessTokenSet' in again.settings.whatsapp).toBe(false);
  });

  it('keeps the sealed secrets of the stored settings, and takes no ciphertext from a body', () => {
    const sealed = (id: string) => `enc:v1:k1:${id.repeat(16)}:c2VjcmV0:${'B'.repeat(22)}`;
    const previous = {
      ...(checkStoreSettings('lola-shoes', valid, undefined) as { settings: StoreSettings }).settings,
      whatsapp: { phoneNumberId: '106540352242922', mode: 'text', accessTokenCiphertext: sealed('A') },
      shopify: { webhookSecretCiphertext: sealed('C') },
    } as StoreSettings;
    const kept = checkStoreSettings('lola-shoes', withoutSecrets(previous), previous);
    expect(kept).toMatchObject({
      ok: true,
      settings: { whatsapp: { accessTokenCiphertext: sealed('A') }, shopify: { webhookSecretCiphertext: sealed('C') } },
    });
    const forged = checkStoreSettings(
      'lola-shoes',
      { ...valid, whatsapp: { ...valid.whatsapp, accessToken: undefined, accessTokenCiphertext: sealed('D') } },
      undefined,
    );
    expect(forged.ok).toBe(false);
    expect(!forged.ok && forged.problems).toContainEqual(expect.stringMatching(/^whatsapp\.accessToken: required/));
    const replaced = checkStoreSettings('lola-shoes', { ...valid, whatsapp: { ...valid.whatsapp } }, previous);
    expect(replaced.ok && replaced.settings.whatsapp).toMatchObject({ accessToken: 'EAAG-secret-token' });
    expect(replaced.ok && 'accessTokenCiphertext' in replaced.settings.whatsapp).toBe(false);
  });

  it("the Shopify Admin API access token is write-only like the other secrets and needs the shop's domain", () => {
    const shopify = {
      webhookSecret: 'shpss_0123456789',
      shopDomain: 'lola.myshopify.com',
      adminApiAccessToken: 'shpat_admin_0123',
    };
    const first = checkStoreSettings('lola-shoes', { ...valid, shopify }, undefined);
    const previous = (first.ok ? first.settings : undefined) as StoreSettings;
    const shown = withoutSecrets(previous);
    expect(JSON.stringify(shown)).not.toContain('shpat_admin_0123');
    expect(shown.shopify).toEqual({
      webhookSecretSet: true,
      shopDomain: 'lola.myshopify.com',
      adminApiAccessTokenSet: true,
    });
    const again = checkStoreSettings('lola-shoes', shown, previous);
    expect(again).toMatchObject({ ok: true, settings: { shopify } });
    const noDomain = checkStoreSettings(
      'lola-shoes',
      { ...valid, shopify: { ...shopify, shopDomain: undefined } },
      undefined,
    );
    expect(!noDomain.ok && noDomain.problems).toContainEqual(expect.stringMatching(/^shopify\.shopDomain: required/));
    const badDomain = checkStoreSettings(
      'lola-shoes',
      { ...valid, shopify: { ...shopify, shopDomain: 'lola.com' } },
      undefined,
    );
    expect(badDomain.ok).toBe(false);
  });

  it('refuses a platform section without a usable secret, naming it', () => {
    for (const shopify of [{}, { webhookSecret: 'short' }, { webhookSecret: 'shpss_0123456789', topic: 'x' }, 'x']) {
      const out = checkStoreSettings('lola-shoes', { ...valid, shopify }, undefined);
      expect(out.ok).toBe(false);
      expect(!out.ok && out.problems.some((p) => p.startsWith('shopify'))).toBe(true);
    }
  });

  it('refuses what is not an object', () => {
    for (const body of [null, [], 'x', 3]) expect(checkStoreSettings('s', body, undefined).ok).toBe(false);
  });
});
