import type { CartItem, SendDue, StoreSettings } from '@lib/contracts';
import { renderMessage, renderTemplateParameters, sampleLink } from '@lib/message-templates';
import type { RenderedTemplateParameters } from '@lib/message-templates';

/** The carts the message preview is drawn over: what a merchant's shoppers leave behind. */
export const SAMPLE_CARTS = ['one-item', 'seven-items', 'long-names', 'emoji', 'usd', 'jpy', 'mxn'] as const;
export type SampleCart = (typeof SAMPLE_CARTS)[number];

export interface MessageSample {
  sample: SampleCart;
  /** The message's language, as the sender chooses it. */
  locale: string;
  text: string;
  /** Whose template was drawn: the store's own or the shipped default. */
  template: 'store' | 'default';
  fallbackReason?: string;
  /** Template mode: what the approved template is sent with. */
  templateParameters?: RenderedTemplateParameters;
  /** Template mode: why these parameters cannot be filled (as the sender would fail). */
  problem?: string;
}

const TITLES = ['Zapatillas Lola', 'Calcetines de lana', 'Gorra', 'Bolso Marta', 'Cinturón', 'Sandalias', 'Botas'];
const LONG_TITLE =
  'Zapatillas de running ultraligeras con amortiguación reactiva, suela de carbono reciclado y cordones reflectantes – edición limitada otoño-invierno, talla 42,5 EU';

function cart(sample: SampleCart): Pick<SendDue, 'items' | 'currency' | 'total'> & { firstName?: string } {
  const item = (i: number, title: string, unitPrice: string, quantity = 1): CartItem => ({
    sku: `SAMPLE-${i + 1}`,
    title,
    quantity,
    unitPrice,
  });
  switch (sample) {
    case 'one-item':
      return { items: [item(0, TITLES[0], '59.90')], currency: 'EUR', total: '59.90', firstName: 'Ana' };
    case 'seven-items':
      return {
        items: TITLES.map((t, i) => item(i, t, '10.00', i + 1)),
        currency: 'EUR',
        total: '280.00',
        firstName: 'Ana',
      };
    case 'long-names':
      return {
        items: [item(0, LONG_TITLE, '189.00'), item(1, `${LONG_TITLE} (segundo par)`, '189.00')],
        currency: 'EUR',
        total: '378.00',
        firstName: 'María de los Ángeles Fernández-Villaverde',
      };
    case 'emoji':
      return {
        items: [item(0, '🎁 Caja regalo ✨', '25.00'), item(1, 'Camiseta 🌈 arcoíris', '19.90')],
        currency: 'EUR',
        total: '44.90',
        firstName: 'Zoë 🌸',
      };
    case 'usd':
      return { items: [item(0, 'Running shoes', '129.00')], currency: 'USD', total: '129.00', firstName: 'John' };
    case 'jpy':
      return { items: [item(0, 'スニーカー', '12000')], currency: 'JPY', total: '12000', firstName: 'Yuki' };
    case 'mxn':
      return { items: [item(0, 'Tenis Lola', '1499.00')], currency: 'MXN', total: '1499.00', firstName: 'Lupita' };
  }
}

/** A send-due for a sample cart, as the scheduler would emit it for this store. */
export function sampleSendDue(settings: StoreSettings, sample: SampleCart, language: string, now: Date): SendDue {
  const { firstName, ...bought } = cart(sample);
  return {
    schemaVersion: 1,
    sendId: `preview-${sample}`,
    storeId: settings.storeId,
    cartId: `preview-${sample}`,
    customer: { phone: '+34600000000', firstName, locale: language },
    ...bought,
    recoveryUrl: `https://${settings.storeId.toLowerCase().replace(/[^a-z0-9-]/g, '-')}.example/cart/recover/preview`,
    detectedAt: now.toISOString(),
    dueAt: now.toISOString(),
    notAfter: new Date(now.getTime() + settings.maxDeferralHours * 3_600_000).toISOString(),
  };
}

/**
 * Each sample cart's message, drawn with the sender's own rendering (libs/message-templates
 * `renderMessage`, plus `renderTemplateParameters` in template mode), never a second one.
 */
export function renderSamples(settings: StoreSettings, language: string, now: Date): MessageSample[] {
  return SAMPLE_CARTS.map((sample) => {
    const sendDue = sampleSendDue(settings, sample, language, now);
    // A store with tracked links sees the link its messages will carry (with a sample token).
    const link = sampleLink(settings);
    const { locale, text, template, fallbackReason } = renderMessage({ sendDue, settings, link });
    const drawn: MessageSample = { sample, locale, text, template, ...(fallbackReason ? { fallbackReason } : {}) };
    if (settings.whatsapp.mode !== 'template') return drawn;
    try {
      return { ...drawn, templateParameters: renderTemplateParameters({ sendDue, settings, link }) };
    } catch (e) {
      return { ...drawn, problem: (e as Error).message };
    }
  });
}
