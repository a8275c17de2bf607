import type { StoreSettings } from '@lib/contracts';
import { checkStoreSettings } from '../store-admin/store-settings-input';
import { applyConsoleChanges } from './console-changes';
import { renderSamples, SAMPLE_CARTS } from './sample-carts';
import { consoleSecurityHeaders, frameAncestorsEnv } from './console-headers';

const week = { mon: [['09:00', '20:00']], tue: [], wed: [], thu: [], fri: [], sat: [], sun: [] };
const stored = (over: Partial<StoreSettings> = {}) =>
  ({
    storeId: 'lola-shoes',
    name: 'Zapatería Lola',
    enabled: true,
    timezone: 'Europe/Madrid',
    defaultCountry: 'ES',
    locale: 'es',
    openingHours: week,
    closedDates: [],
    abandonAfterMinutes: 30,
    sendDelayMinutes: 60,
    maxDeferralHours: 72,
    minHoursBetweenMessages: 24,
    whatsapp: { phoneNumberId: '106540352242922', mode: 'text', accessToken: 'EAAG-secret-token' },
    shopify: { webhookSecret: 'shpss_0123456789' },
    ...over,
  }) as StoreSettings;

describe('applyConsoleChanges', () => {
  it('changes hours, zone, closed dates and the message; secrets stay out of the body and are kept', () => {
    const changes = {
      timezone: 'America/Mexico_City',
      openingHours: { ...week, sat: [['10:00', '14:00']] },
      closedDates: ['2026-12-25'],
      messageTemplates: { es: 'Hola {{firstName}}: {{recoveryLink}}' },
    };
    const applied = applyConsoleChanges(stored(), changes);
    expect(applied.ok).toBe(true);
    const body = (applied as { body: Record<string, unknown> }).body;
    expect(JSON.stringify(body)).not.toContain('EAAG-secret-token');
    expect(JSON.stringify(body)).not.toContain('shpss_');
    const decision = checkStoreSettings('lola-shoes', body, stored());
    expect(decision).toMatchObject({
      ok: true,
      settings: { ...changes, whatsapp: { accessToken: 'EAAG-secret-token' }, name: 'Zapatería Lola' },
    });
  });

  it('refuses what the platform sets, naming it', () => {
    expect(applyConsoleChanges(stored(), { name: 'x', whatsapp: {} })).toEqual({
      ok: false,
      problems: [
        'name: not changed from the console (the platform sets it)',
        'whatsapp: not changed from the console (the platform sets it)',
      ],
    });
    expect(applyConsoleChanges(stored(), [])).toEqual({ ok: false, problems: ['the changes must be an object'] });
  });

  it('sets the approved template’s parameters; no templates at all is the shipped default', () => {
    const applied = applyConsoleChanges(stored({ messageTemplates: { es: 'x {{recoveryLink}}' } }), {
      templateParameters: { body: ['{{firstName}}'] },
      messageTemplates: {},
    });
    expect(applied.ok && applied.body).toMatchObject({ whatsapp: { templateParameters: { body: ['{{firstName}}'] } } });
    expect(applied.ok && 'messageTemplates' in applied.body).toBe(false);
  });

  it('hands the admin checks a broken template, and they name it', () => {
    const applied = applyConsoleChanges(stored(), { messageTemplates: { es: 'Hola {{#if firstName}}' } });
    const decision = checkStoreSettings('lola-shoes', applied.ok && applied.body, stored());
    expect(decision.ok).toBe(false);
    expect(!decision.ok && decision.problems).toContainEqual(expect.stringMatching(/^messageTemplates\.es: /));
  });
});

describe('renderSamples', () => {
  it('draws every sample cart with the sender’s renderer, in the language asked', () => {
    const samples = renderSamples(
      stored({ messageTemplates: { es: 'Hola {{firstName}}, {{itemsSummary items}} · {{recoveryLink}}' } }),
      'es',
      new Date('2026-12-07T10:00:00Z'),
    );
    expect(samples.map((s) => s.sample)).toEqual([...SAMPLE_CARTS]);
    expect(samples.every((s) => s.template === 'store' && s.locale === 'es')).toBe(true);
    expect(samples.find((s) => s.sample === 'emoji')!.text).toContain('Zoë 🌸');
    const english = renderSamples(stored(), 'en', new Date('2026-12-07T10:00:00Z'));
    expect(english.every((s) => s.template === 'default' && s.locale === 'en')).toBe(true);
    expect(english.find((s) => s.sample === 'jpy')!.text).not.toBe(english.find((s) => s.sample === 'usd')!.text);
  });

  it('shows a store with tracked links the link its messages carry, with a sample token', () => {
    const samples = renderSamples(
      stored({ links: { baseUrl: 'https://links.lola.example' } }),
      'es',
      new Date('2026-12-07T10:00:00Z'),
    );
    for (const s of samples) expect(s.text).toMatch(/https:\/\/links\.lola\.example\/r\/PreviewSample000\./);
    expect(samples.some((s) => s.text.includes('/cart/recover/'))).toBe(false);
  });

  it('in template mode gives the parameters the approved template is sent with', () => {
    const settings = stored({
      whatsapp: {
        phoneNumberId: '106540352242922',
        mode: 'template',
        templateName: 'cart_reminder',
        templateLanguage: 'es',
        templateParameters: { body: ['{{firstName}}'] },
      },
    });
    const [first] = renderSamples(settings, 'es', new Date('2026-12-07T10:00:00Z'));
    expect(first.templateParameters).toMatchObject({ templateName: 'cart_reminder', bodyParameters: ['Ana'] });
  });
});

describe('console security headers', () => {
  it('allow only our own scripts and styles, and the configured frame ancestors', () => {
    const ancestors = frameAncestorsEnv('x').parse("'self' https://*.myshopify.com,https://admin.example");
    const csp = consoleSecurityHeaders(ancestors)['content-security-policy'];
    expect(csp).toContain("script-src 'self';");
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).toContain("default-src 'none'");
    expect(csp).toMatch(/frame-ancestors 'self' https:\/\/\*\.myshopify\.com https:\/\/admin\.example$/);
  });

  it('frame ancestors: self by default, each bad source named', () => {
    expect(frameAncestorsEnv('x').parse(undefined)).toEqual(["'self'"]);
    expect(() => frameAncestorsEnv('x').parse('http://evil.example https://ok.example/path *')).toThrow(
      'not a frame ancestor: "http://evil.example", "https://ok.example/path", "*"',
    );
    expect(() => frameAncestorsEnv('x').parse("'none' 'self'")).toThrow(/'none'/);
  });
});
