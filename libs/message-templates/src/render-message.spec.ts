import { createMessageRenderer, DEFAULT_TEMPLATES, renderMessage, TEXT_BODY_MAX } from './index';
import { items, plainSpaces, sendDue, storeSettings } from './send-due.fixture';

const settings = storeSettings();
const link = 'https://lola.example/cart/recover/8812';

describe('renderMessage with the shipped templates', () => {
  it('writes the Spanish message: greeting, store, products, total and link', () => {
    const { locale, text, template } = renderMessage({ sendDue: sendDue(), settings });
    expect({ locale, template }).toEqual({ locale: 'es', template: 'default' });
    expect(plainSpaces(text)).toBe(
      `¡Hola Ana! En *Zapatería Lola* te guardamos el carrito (59,90 €): Zapatillas Lola ×1. ` +
        `Termina tu compra cuando quieras aquí: ${link}`,
    );
  });

  it('writes the English message for an English-speaking shopper', () => {
    const { locale, text } = renderMessage({
      sendDue: sendDue({ currency: 'USD', total: '1234.5' }, { locale: 'en-US' }),
      settings,
    });
    expect(locale).toBe('en');
    expect(text).toBe(
      `Hi Ana! *Zapatería Lola* saved your cart ($1,234.50): Zapatillas Lola ×1. ` +
        `Finish your order whenever you like here: ${link}`,
    );
  });

  it.each([
    ['es', 'Zoë'],
    ['es', 'José Ñúñez'],
    ['en', 'Zoë'],
    ['en', '🦄 Ana 👩‍👩‍👧'],
    ['es', 'محمد'],
    ['en', 'שָׁרָה'],
    ['es', '李小龙'],
  ])('keeps the unicode name %s / %s as written', (language, name) => {
    const { text } = renderMessage({
      sendDue: sendDue({}, { firstName: name, locale: language }),
      settings,
    });
    expect(text.startsWith(language === 'es' ? `¡Hola ${name}! ` : `Hi ${name}! `)).toBe(true);
  });

  it('greets a shopper without a name in each language', () => {
    const es = renderMessage({ sendDue: sendDue({}, { firstName: undefined }), settings }).text;
    const en = renderMessage({ sendDue: sendDue({}, { firstName: '  ', locale: 'en' }), settings }).text;
    expect(es.startsWith('¡Hola de nuevo! En *Zapatería Lola*')).toBe(true);
    expect(en.startsWith('Hi there! *Zapatería Lola*')).toBe(true);
  });

  it("greets with the greeting form and a fallback word of the store's choosing", () => {
    const settings = storeSettings({
      messageTemplates: { es: '{{firstName greeting="hola"}}, {{firstName fallback="amiga"}}: {{recoveryLink}}' },
    });
    const named = renderMessage({ sendDue: sendDue(), settings }).text;
    const unnamed = renderMessage({ sendDue: sendDue({}, { firstName: undefined }), settings }).text;
    expect(named).toBe(`Hola Ana, Ana: ${link}`);
    expect(unnamed).toBe(`Hola, amiga: ${link}`);
  });

  it('lists three of seven products with quantities, then counts the rest in the message language', () => {
    const seven = sendDue({ items: items(7) });
    const es = renderMessage({ sendDue: seven, settings }).text;
    const en = renderMessage({
      sendDue: { ...seven, customer: { ...seven.customer, locale: 'en-GB' } },
      settings,
    }).text;
    expect(es).toContain(': Zapatillas Lola ×1, Calcetines de lana ×2, Gorra ×3 y 4 más. Termina');
    expect(en).toContain(': Zapatillas Lola ×1, Calcetines de lana ×2, Gorra ×3 and 4 more. Finish');
  });

  it('joins two and three products the way each language does', () => {
    expect(renderMessage({ sendDue: sendDue({ items: items(2) }), settings }).text).toContain(
      ': Zapatillas Lola ×1 y Calcetines de lana ×2.',
    );
    expect(renderMessage({ sendDue: sendDue({ items: items(3) }, { locale: 'en-US' }), settings }).text).toContain(
      ': Zapatillas Lola ×1, Calcetines de lana ×2, and Gorra ×3.',
    );
  });

  it.each([
    ['es-ES', 'EUR', '59.90', '(59,90 €)'],
    ['es-ES', 'EUR', '1234567.89', '(1.234.567,89 €)'],
    ['en-US', 'USD', '19.9', '($19.90)'],
    ['es-CL', 'CLP', '12990', '($12.990)'],
    ['en-US', 'JPY', '12990', '(¥12,990)'],
    ['en', 'KWD', '12.345', '(KWD 12.345)'],
    ['es-MX', 'MXN', '1234.50', '($1,234.50)'],
    ['es-ES', 'eur', '5', '(5,00 €)'],
  ])('formats the total for a %s shopper in %s (%s → %s)', (locale, currency, total, shown) => {
    const { text } = renderMessage({ sendDue: sendDue({ currency, total }, { locale }), settings });
    expect(plainSpaces(text)).toContain(
      `carrito ${shown}:`.replace('carrito', locale.startsWith('es') ? 'carrito' : 'cart'),
    );
  });

  it('leaves the total out when the amount or the currency is unknown', () => {
    for (const missing of [{ total: undefined }, { currency: undefined }]) {
      const { text } = renderMessage({ sendDue: sendDue(missing), settings });
      expect(text).toContain('te guardamos el carrito: Zapatillas Lola ×1.');
    }
  });

  it('does not escape HTML: the text is WhatsApp text', () => {
    const { text } = renderMessage({
      sendDue: sendDue({ items: [{ sku: 'T', title: 'Tom & Jerry\'s <shoes> "red"', quantity: 1, unitPrice: '1' }] }),
      settings: storeSettings({ name: "Tom & Jerry's <Store>" }),
    });
    expect(text).toContain("*Tom & Jerry's <Store>*");
    expect(text).toContain('Tom & Jerry\'s <shoes> "red" ×1');
  });

  it('neutralises formatting markers in names, titles and the store name', () => {
    const { text } = renderMessage({
      sendDue: sendDue(
        { items: [{ sku: 'x', title: '*Oferta* _2x1_ ~rebajas~ ```code```', quantity: 1, unitPrice: '1' }] },
        { firstName: '*Ana*' },
      ),
      settings: storeSettings({ name: 'Lola_Shoes*' }),
    });
    // The template's own bold run around the store name is the only formatting left.
    expect(text.replace(/[^*_~`]/g, '')).toBe('**');
    expect(text).toContain('¡Hola ∗Ana∗!');
    expect(text).toContain('*LolaˍShoes∗*');
    expect(text).toContain('∗Oferta∗ ˍ2x1ˍ ∼rebajas∼ ˋˋˋcodeˋˋˋ ×1');
  });

  it('keeps names and titles on one line, without control or bidi-override characters', () => {
    const { text } = renderMessage({
      sendDue: sendDue(
        { items: [{ sku: 'x', title: 'Zapatillas\n\nLola\t\u0007roja', quantity: 1, unitPrice: '1' }] },
        { firstName: 'Ana\u202E\r\nMaría' },
      ),
      settings,
    });
    expect(text).toContain('¡Hola Ana María!');
    expect(text).toContain('Zapatillas Lola roja ×1');
    expect(text).not.toMatch(/[\p{Cc}\u202A-\u202E]/u);
  });

  it('cuts very long names and titles with an ellipsis, never inside an emoji', () => {
    const { text } = renderMessage({
      sendDue: sendDue(
        { items: [{ sku: 'x', title: 'Zapatilla '.repeat(50), quantity: 1, unitPrice: '1' }] },
        { firstName: '👩‍👩‍👧'.repeat(60) },
      ),
      settings,
    });
    expect(text).toContain(`¡Hola ${'👩‍👩‍👧'.repeat(39)}…!`);
    expect(text).toMatch(/Zapatilla( Zapatilla)+…/);
    expect(text.length).toBeLessThan(TEXT_BODY_MAX);
  });
});

describe('renderMessage language', () => {
  const withTemplates = storeSettings({
    locale: 'en',
    messageTemplates: {
      es: 'Hola {{firstName}}, vuelve a {{store.name}}: {{recoveryLink}}',
      fr: 'Bonjour {{firstName}}, {{itemsSummary items}} : {{recoveryLink}}',
    },
  });

  it("uses the store's own template for the shopper's language", () => {
    const result = renderMessage({ sendDue: sendDue(), settings: withTemplates });
    expect(result).toEqual({ locale: 'es', template: 'store', text: `Hola Ana, vuelve a Zapatería Lola: ${link}` });
  });

  it("uses a store template in a language we do not ship, with that language's words", () => {
    const { locale, text } = renderMessage({
      sendDue: sendDue({ items: items(5) }, { locale: 'fr-FR' }),
      settings: withTemplates,
    });
    expect(locale).toBe('fr');
    expect(text).toContain('Zapatillas Lola ×1, Calcetines de lana ×2, Gorra ×3 et 2 de plus');
  });

  it("falls back to the store's language when the shopper's has no template", () => {
    expect(renderMessage({ sendDue: sendDue({}, { locale: 'pt-BR' }), settings: withTemplates }).locale).toBe('en');
    expect(renderMessage({ sendDue: sendDue({}, { locale: undefined }), settings }).locale).toBe('es');
  });

  it('ships a template for es and en, and they differ', () => {
    expect(Object.keys(DEFAULT_TEMPLATES).sort()).toEqual(['en', 'es']);
    expect(DEFAULT_TEMPLATES.es).not.toBe(DEFAULT_TEMPLATES.en);
  });

  it("sends the shipped message, saying why, when the store's template fails for this cart", () => {
    const renderer = createMessageRenderer();
    const result = renderer.renderMessage({
      sendDue: sendDue(),
      settings: storeSettings({ messageTemplates: { es: '{{#each items}}{{title}} {{/each}}{{money "1,5"}}' } }),
    });
    expect(result.template).toBe('default');
    expect(result.locale).toBe('es');
    expect(result.text.startsWith('¡Hola Ana!')).toBe(true);
    expect(result.fallbackReason).toMatch(/^messageTemplates\.es: money expects a decimal amount/);
  });

  it('falls back when a store template renders over the WhatsApp limit', () => {
    const result = renderMessage({
      sendDue: sendDue({ items: items(7) }),
      settings: storeSettings({ messageTemplates: { es: `${'x'.repeat(4050)} {{#each items}}{{title}}{{/each}}` } }),
    });
    expect(result.template).toBe('default');
    expect(result.fallbackReason).toContain('over WhatsApp');
  });
});
