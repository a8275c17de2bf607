import type { SendDue, StoreSettings } from '@lib/contracts';
import { HelperData, messageContext } from './message-context';
import { formattingLocale, languageOf } from './message-locale';
import { oneLine } from './message-template-error';
import { bodyParameter, buttonUrlSuffix, MessageRenderer, TEXT_BODY_MAX } from './renderer';

// Two shoppers every template must handle: a typical one, and one with nothing optional (no name,
// no locale, no total) and everything at its longest (seven long titles, a long link).
const TYPICAL: SendDue = {
  schemaVersion: 1,
  sendId: 'sample',
  storeId: 'sample-store',
  cartId: 'c_8812',
  customer: { phone: '+34600111222', firstName: 'Ana', locale: 'es-ES' },
  items: [
    { sku: 'ZAP-42', title: 'Zapatillas Lola', quantity: 1, unitPrice: '59.90' },
    { sku: 'CAL-01', title: 'Calcetines', quantity: 2, unitPrice: '4.50' },
  ],
  currency: 'EUR',
  total: '68.90',
  recoveryUrl: 'https://shop.example/cart/recover/8812',
  detectedAt: '2026-11-24T18:33:12.123Z',
  dueAt: '2026-11-25T08:00:00.000Z',
  notAfter: '2026-11-27T18:33:12.123Z',
};

const SPARSE: SendDue = {
  ...TYPICAL,
  customer: { phone: '+34600111222' },
  items: Array.from({ length: 7 }, (_, i) => ({
    sku: `SKU-${i}`,
    title: `Producto de nombre muy largo número ${i} `.repeat(12),
    quantity: 100,
    unitPrice: '123456.78',
  })),
  currency: undefined,
  total: undefined,
  recoveryUrl: `https://shop.example/cart/recover/${'a1b2c3d4'.repeat(60)}?token=${'x'.repeat(200)}`,
};

const SAMPLES = [
  { name: 'a typical cart', sendDue: TYPICAL },
  { name: 'a shopper without name, total or currency and seven long items', sendDue: SPARSE },
];

/**
 * Every problem with a store's templates, as "field: what is wrong" lines; empty when they all
 * compile with the project's helpers and render for both sample shoppers. Ingest refuses settings
 * with problems, so the sender rarely meets a broken template.
 */
export function findTemplateProblems(renderer: MessageRenderer, settings: StoreSettings): string[] {
  const problems: string[] = [];
  const storeId = settings.storeId;

  for (const [language, source] of Object.entries(settings.messageTemplates ?? {})) {
    const field = `messageTemplates.${language}`;
    for (const sample of SAMPLES) {
      const context = messageContext(sample.sendDue, settings, language);
      const data: HelperData = { language, formatLocale: formattingLocale(language, undefined), sample: true };
      let text: string;
      try {
        text = renderer.renderSource(source, storeId, context, data).trim();
      } catch (error) {
        problems.push(`${field}: ${oneLine(error)}`);
        break; // the same error would repeat for the next sample
      }
      const before = problems.length;
      if (!text) problems.push(`${field}: renders an empty message for ${sample.name}`);
      else if (text.length > TEXT_BODY_MAX) {
        problems.push(
          `${field}: renders ${text.length} characters for ${sample.name}, over WhatsApp's ${TEXT_BODY_MAX}`,
        );
      } else if (!text.includes(sample.sendDue.recoveryUrl.slice(0, 30))) {
        // The product promises a direct link to the cart in every message.
        problems.push(`${field}: never gives the recovery link; add {{recoveryLink}}`);
      }
      if (problems.length > before) break; // one problem per template is enough to act on
    }
  }

  const { whatsapp } = settings;
  if (whatsapp.mode === 'template' && !whatsapp.templateName) {
    problems.push('whatsapp.templateName: required when whatsapp.mode is "template"');
  }
  // A cart reminder is a promotion (Meta's own example of a marketing template): Meta
  // re-categorises a utility or authentication template used for it, or refuses the send.
  if (whatsapp.mode === 'template' && whatsapp.templateCategory && whatsapp.templateCategory !== 'marketing') {
    problems.push(
      `whatsapp.templateCategory: a cart reminder is a marketing message; approve the template as "marketing", not "${whatsapp.templateCategory}"`,
    );
  }
  const parameters = whatsapp.templateParameters;
  // The parameters are rendered in each language the template is approved in.
  const approved = [whatsapp.templateLanguage, ...(whatsapp.templateLanguages ?? [])].map(languageOf);
  const languages = [...new Set(approved.filter((l): l is string => !!l))];
  if (languages.length === 0) languages.push(settings.locale);
  const expressions: Array<{ field: string; source: string; check: typeof bodyParameter }> = [
    ...(parameters?.body ?? []).map((source, index) => ({
      field: `whatsapp.templateParameters.body[${index}]`,
      source,
      check: bodyParameter,
    })),
  ];
  if (parameters?.buttonUrlSuffix !== undefined) {
    expressions.push({
      field: 'whatsapp.templateParameters.buttonUrlSuffix',
      source: parameters.buttonUrlSuffix,
      check: (_field, render) => buttonUrlSuffix(render),
    });
  }
  for (const { field, source, check } of expressions) {
    samples: for (const language of languages) {
      for (const sample of SAMPLES) {
        const context = messageContext(sample.sendDue, settings, language);
        const data: HelperData = { language, formatLocale: formattingLocale(language, undefined), sample: true };
        try {
          check(field, () => renderer.renderSource(source, storeId, context, data));
        } catch (error) {
          const message = oneLine(error);
          const detail = message.startsWith(field) ? message : `${field}: ${message}`;
          // Say which shopper it failed for when the typical one passed: that is the hint to act on.
          const who = [sample === SAMPLES[0] ? '' : `for ${sample.name}`, languages.length > 1 ? `in ${language}` : '']
            .filter(Boolean)
            .join(', ');
          problems.push(who ? `${detail} (${who})` : detail);
          break samples;
        }
      }
    }
  }
  return problems;
}
