import { renderMessage, renderTemplateParameters, sampleLink, SAMPLE_LINK_TOKEN } from './index';
import { sendDue, storeSettings } from './send-due.fixture';

const link = {
  url: 'https://links.example/r/AAAAAAAAAAAAAAAA.BBBBBBBBBBBBBBBB',
  token: 'AAAAAAAAAAAAAAAA.BBBBBBBBBBBBBBBB',
};

describe('a message with a click-tracked link', () => {
  it("shows the tracked link instead of the store's recovery URL, in the shipped text and the store's own", () => {
    const shipped = renderMessage({ sendDue: sendDue(), settings: storeSettings(), link });
    expect(shipped.text).toContain(link.url);
    expect(shipped.text).not.toContain('lola.example/cart/recover');
    const own = storeSettings({ messageTemplates: { es: 'Hola {{firstName}}: {{recoveryLink}} · {{recoveryUrl}}' } });
    expect(renderMessage({ sendDue: sendDue(), settings: own, link }).text).toBe(`Hola Ana: ${link.url} · ${link.url}`);
  });

  it("keeps the store's recovery URL without a link (stores without links.baseUrl)", () => {
    expect(renderMessage({ sendDue: sendDue(), settings: storeSettings() }).text).toContain(
      'https://lola.example/cart/recover/8812',
    );
  });

  it("puts the token in the URL button's suffix in template mode, and the link in any body parameter", () => {
    const settings = storeSettings({
      whatsapp: {
        phoneNumberId: '106540352242922',
        mode: 'template',
        templateName: 'cart_reminder',
        templateLanguage: 'es',
        templateParameters: {
          body: ['{{firstName}}', '{{recoveryLink}}'],
          buttonUrlSuffix: '{{recoveryLink after="https://lola.example/cart/"}}',
        },
      },
    });
    const filled = renderTemplateParameters({ sendDue: sendDue(), settings, link });
    expect(filled.buttonUrlSuffix).toBe(link.token);
    expect(filled.bodyParameters).toEqual(['Ana', link.url]);
    // Without a link, the store's own expression as before.
    expect(renderTemplateParameters({ sendDue: sendDue(), settings }).buttonUrlSuffix).toBe('recover/8812');
  });

  it('adds no URL button to a template that has none', () => {
    const settings = storeSettings({
      whatsapp: {
        phoneNumberId: '106540352242922',
        mode: 'template',
        templateName: 'cart_reminder',
        templateLanguage: 'es',
      },
    });
    expect(renderTemplateParameters({ sendDue: sendDue(), settings, link }).buttonUrlSuffix).toBeUndefined();
  });

  it("gives previews a sample link under the store's base URL, and none without one", () => {
    expect(sampleLink(storeSettings({ links: { baseUrl: 'https://links.example' } }))).toEqual({
      url: `https://links.example/r/${SAMPLE_LINK_TOKEN}`,
      token: SAMPLE_LINK_TOKEN,
    });
    expect(SAMPLE_LINK_TOKEN).toMatch(/^[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]{16}$/);
    expect(sampleLink(storeSettings())).toBeUndefined();
  });
});
