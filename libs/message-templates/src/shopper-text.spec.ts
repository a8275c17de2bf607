import fc from 'fast-check';
import { renderMessage, renderTemplateParameters, TEXT_BODY_MAX } from './index';
// The simulator's copy of the Cloud API's request checks: what we render must pass them.
import { checkSendRequest } from '../../../test/whatsapp-simulator/send-request';
import { sendDue, storeSettings } from './send-due.fixture';
import { capLength, capUnits, neutralizeFormatting, shopperText } from './shopper-text';

describe('shopperText', () => {
  it('swaps every WhatsApp formatting marker for a look-alike', () => {
    expect(neutralizeFormatting('*bold* _it_ ~del~ ```mono``` `code`')).toBe('∗bold∗ ˍitˍ ∼del∼ ˋˋˋmonoˋˋˋ ˋcodeˋ');
  });

  it('keeps a text from starting a quote', () => {
    expect(shopperText('> Ana', 10)).toBe('› Ana');
    expect(shopperText('  >Ana>', 10)).toBe('›Ana>');
  });

  it('makes the text one line without controls, bidi overrides or runs of spaces', () => {
    expect(shopperText(' Ana\r\n\u2028María\t\u0000 \u202Eabc\u2066 ', 100)).toBe('Ana María abc');
  });

  it('keeps what names and emoji need: accents, ZWJ sequences, RTL letters', () => {
    for (const name of ['José Ñúñez', 'Zoë', '👩‍👩‍👧 Ana', 'محمد', 'שָׁרָה']) expect(shopperText(name, 100)).toBe(name);
  });

  it('is empty for nothing', () => {
    expect([shopperText(undefined, 5), shopperText(null, 5), shopperText(' \n ', 5)]).toEqual(['', '', '']);
  });

  it('caps by graphemes, with the ellipsis inside the cap', () => {
    expect(capLength('abcdef', 4)).toBe('abc…');
    expect(capLength('abcd', 4)).toBe('abcd');
    expect(capLength('👍🏽👍🏽👍🏽', 3)).toBe('👍🏽👍🏽👍🏽');
    expect(capLength('👍🏽👍🏽👍🏽👍🏽', 3)).toBe('👍🏽👍🏽…');
  });

  it('caps by UTF-16 units without splitting a grapheme', () => {
    expect(capUnits('ab👍🏽cd', 5)).toBe('ab…');
    expect(capUnits('abc', 5)).toBe('abc');
  });
});

// Text a shopper or a platform could send: any code point, with the troublemakers made frequent.
const TROUBLE = ['*', '_', '~', '`', '```', '\n', '\r\n', '\t', '\u0000', '\u202E', '\u2066', '\u200D', '\uD800', ' '];
const hostileText = (minLength: number, maxLength: number) =>
  fc.string({
    unit: fc.oneof(fc.constantFrom(...TROUBLE), fc.string({ unit: 'binary', minLength: 1, maxLength: 1 })),
    minLength,
    maxLength,
  });

const cart = fc.record({
  firstName: fc.option(hostileText(0, 100), { nil: undefined }),
  storeName: hostileText(1, 200),
  titles: fc.array(hostileText(1, 500), { minLength: 1, maxLength: 10 }),
  locale: fc.constantFrom('es-ES', 'en-US', 'es-CL', 'fr', undefined),
});

function input(c: { firstName?: string; storeName: string; titles: string[]; locale?: string }) {
  return {
    sendDue: sendDue(
      { items: c.titles.map((title, i) => ({ sku: `S${i}`, title, quantity: i + 1, unitPrice: '9.99' })) },
      { firstName: c.firstName, locale: c.locale },
    ),
    settings: storeSettings({
      name: c.storeName,
      whatsapp: { phoneNumberId: '106540352242922', mode: 'template', templateName: 'cart_reminder' },
    }),
  };
}

describe('any names and titles (property)', () => {
  it("render without throwing, on one WhatsApp message, with only the template's own formatting", () => {
    fc.assert(
      fc.property(cart, (c) => {
        const { text } = renderMessage(input(c));
        expect(text.length).toBeLessThanOrEqual(TEXT_BODY_MAX);
        // The shipped templates bold the store name and use no other marker: exactly one balanced run.
        expect(text.replace(/[^*_~`]/g, '')).toBe('**');
        expect(text).not.toMatch(/[\p{Cc}\u202A-\u202E\u2066-\u2069]/u);
        expect(text.endsWith('https://lola.example/cart/recover/8812')).toBe(true);
        const request = {
          messaging_product: 'whatsapp',
          to: '34600111222',
          type: 'text',
          text: { preview_url: true, body: text },
        };
        expect(checkSendRequest(request, 'messages')).toMatchObject({ ok: true });
      }),
      { numRuns: 300 },
    );
  });

  it('fill template parameters the Cloud API accepts', () => {
    fc.assert(
      fc.property(cart, (c) => {
        const { bodyParameters } = renderTemplateParameters(input(c));
        expect(bodyParameters).toHaveLength(3);
        for (const parameter of bodyParameters) {
          expect(parameter.length).toBeGreaterThan(0);
          expect(parameter.length).toBeLessThanOrEqual(1024);
          expect(parameter).not.toMatch(/[\r\n\t*_~`]| {2}/);
        }
        const template = {
          name: 'cart_reminder',
          language: { code: 'es' },
          components: [
            { type: 'body', parameters: bodyParameters.map((text) => ({ type: 'text', text })) },
            { type: 'button', sub_type: 'url', index: '0', parameters: [{ type: 'text', text: '8812' }] },
          ],
        };
        const request = {
          messaging_product: 'whatsapp',
          recipient_type: 'individual',
          to: '34600111222',
          type: 'template',
          template,
        };
        expect(checkSendRequest(request, 'marketing_messages')).toMatchObject({ ok: true });
      }),
      { numRuns: 300 },
    );
  });

  it('clean text stays as it is when cleaned again', () => {
    fc.assert(
      fc.property(hostileText(0, 300), fc.integer({ min: 2, max: 120 }), (text, max) => {
        const once = shopperText(text, max);
        expect(shopperText(once, max)).toBe(once);
      }),
    );
  });
});
