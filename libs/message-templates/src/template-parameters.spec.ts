import { BODY_PARAMETER_MAX, MessageTemplateError, renderTemplateParameters } from './index';
import { items, plainSpaces, sendDue, storeSettings } from './send-due.fixture';

function templateSettings(whatsapp: Record<string, unknown> = {}) {
  return storeSettings({
    whatsapp: {
      phoneNumberId: '106540352242922',
      mode: 'template',
      templateName: 'cart_reminder',
      templateLanguage: 'es',
      ...whatsapp,
    },
  });
}

describe('renderTemplateParameters', () => {
  it('fills the reference cart_reminder parameters when the store maps none', () => {
    expect(renderTemplateParameters({ sendDue: sendDue(), settings: templateSettings() })).toEqual({
      templateName: 'cart_reminder',
      languageCode: 'es',
      bodyParameters: ['Ana', 'Zapatería Lola', 'Zapatillas Lola ×1'],
    });
  });

  it("renders each of the store's expressions and the URL button suffix", () => {
    const settings = templateSettings({
      templateLanguage: 'en_US',
      templateParameters: {
        body: ['{{firstName greeting="hello"}}', '{{itemsSummary items max=2}}', '{{money}}', '{{itemCount}}'],
        buttonUrlSuffix: '{{recoveryLink after="https://lola.example/cart/"}}',
      },
    });
    const rendered = renderTemplateParameters({ sendDue: sendDue({ items: items(4), total: '100' }), settings });
    expect(rendered.languageCode).toBe('en_US');
    expect(rendered.bodyParameters.map(plainSpaces)).toEqual([
      'Hello Ana',
      'Zapatillas Lola ×1, Calcetines de lana ×2, and 2 more',
      '€100.00',
      '10',
    ]);
    expect(rendered.buttonUrlSuffix).toBe('recover/8812');
  });

  it('uses the message language when the store names no template language', () => {
    const settings = templateSettings({ templateLanguage: undefined });
    const rendered = renderTemplateParameters({ sendDue: sendDue({ items: items(5) }, { locale: 'en-GB' }), settings });
    expect(rendered.languageCode).toBe('en');
    expect(rendered.bodyParameters[2]).toBe('Zapatillas Lola ×1, Calcetines de lana ×2, Gorra ×3 and 2 more');
  });

  it("picks the shopper's language among those the template is approved in, else the store's, else templateLanguage", () => {
    const settings = templateSettings({ templateLanguage: 'es', templateLanguages: ['es', 'en_US'] });
    const english = renderTemplateParameters({ sendDue: sendDue({ items: items(5) }, { locale: 'en-GB' }), settings });
    expect(english.languageCode).toBe('en_US');
    // The helpers then speak English too.
    expect(english.bodyParameters[2]).toContain('and 2 more');
    const spanish = renderTemplateParameters({ sendDue: sendDue({}, { locale: 'es-MX' }), settings });
    expect(spanish.languageCode).toBe('es');
    // A shopper in a language the template lacks gets the store's language.
    const french = renderTemplateParameters({ sendDue: sendDue({}, { locale: 'fr-FR' }), settings });
    expect(french.languageCode).toBe('es');
    // Neither the shopper's nor the store's approved: templateLanguage.
    const onlyEnglish = templateSettings({ templateLanguage: 'en_US', templateLanguages: ['en_US'] });
    expect(
      renderTemplateParameters({ sendDue: sendDue({}, { locale: 'fr-FR' }), settings: onlyEnglish }).languageCode,
    ).toBe('en_US');
  });

  it("writes the helpers' words in the template's language, not the shopper's", () => {
    const rendered = renderTemplateParameters({
      sendDue: sendDue({ items: items(5) }, { locale: 'en-US', firstName: undefined }),
      settings: templateSettings(),
    });
    expect(rendered.bodyParameters[0]).toBe('de nuevo');
    expect(rendered.bodyParameters[2]).toContain('y 2 más');
  });

  it('makes parameters one line with single spaces, as the Cloud API requires (132018)', () => {
    const settings = templateSettings({ templateParameters: { body: ['{{store.name}}\n\n{{firstName}}     !'] } });
    const rendered = renderTemplateParameters({ sendDue: sendDue(), settings });
    expect(rendered.bodyParameters).toEqual(['Zapatería Lola Ana !']);
  });

  it('cuts a parameter to 1,024 characters', () => {
    const settings = templateSettings({
      templateParameters: { body: ['{{#each items}}{{title}} {{title}} {{title}} {{/each}}'] },
    });
    const many = Array.from({ length: 40 }, (_, i) => ({ ...items(1)[0], title: `Producto ${i} `.repeat(5) }));
    const [parameter] = renderTemplateParameters({ sendDue: sendDue({ items: many }), settings }).bodyParameters;
    expect(parameter.length).toBeLessThanOrEqual(BODY_PARAMETER_MAX);
    expect(parameter.length).toBeGreaterThan(BODY_PARAMETER_MAX - 20);
    expect(parameter.endsWith('…')).toBe(true);
  });

  it('refuses an empty parameter, naming it', () => {
    const settings = templateSettings({ templateParameters: { body: ['{{firstName}}', '{{customer.firstName}}'] } });
    expect(() => renderTemplateParameters({ sendDue: sendDue({}, { firstName: undefined }), settings })).toThrow(
      /^whatsapp\.templateParameters\.body\[1\]: renders empty/,
    );
  });

  it('refuses template mode without a template name', () => {
    const render = () =>
      renderTemplateParameters({ sendDue: sendDue(), settings: templateSettings({ templateName: undefined }) });
    expect(render).toThrow(MessageTemplateError);
    expect(render).toThrow(/whatsapp\.templateName/);
  });

  it('refuses a button suffix when the recovery link does not have the approved base', () => {
    const settings = templateSettings({
      templateParameters: { buttonUrlSuffix: '{{recoveryLink after="https://other.example/"}}' },
    });
    expect(() => renderTemplateParameters({ sendDue: sendDue(), settings })).toThrow(
      /buttonUrlSuffix: the recovery link does not start with "https:\/\/other\.example\/"/,
    );
  });

  it('adds query parameters to the recovery link', () => {
    const settings = templateSettings({
      templateParameters: { body: ['{{recoveryLink utm_source="whatsapp" utm_campaign="cart"}}'] },
    });
    const [link] = renderTemplateParameters({ sendDue: sendDue(), settings }).bodyParameters;
    const url = new URL(link);
    expect(url.origin + url.pathname).toBe('https://lola.example/cart/recover/8812');
    expect(Object.fromEntries(url.searchParams)).toEqual({ utm_source: 'whatsapp', utm_campaign: 'cart' });
  });
});
