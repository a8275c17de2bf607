// Rendering throughput (issue 6): the sender renders every send-due before it calls WhatsApp, and
// its benchmark asks 2,000 messages/s overall; rendering should cost a small part of that on one
// core. Pure CPU, no stack.
import type { CartItem, SendDue, StoreSettings } from '@lib/contracts';
import { createMessageRenderer, type MessageRenderer, templateProblems } from '@lib/message-templates';
import type { BenchContext, BenchFigure, BenchWorkload } from '../workload';

const STORES = 100;
const TITLES = ['Zapatillas Lola', 'Calcetines de lana', 'Gorra *edición* limitada', 'Bolso_Marta', 'Botas 🥾 de agua'];
const NAMES = ['Ana', 'José Ñúñez', 'Zoë', 'محمد', undefined, '🦄 Lu'];
const LOCALES = ['es-ES', 'en-US', 'es-CL', 'en-GB', undefined];
const CURRENCIES: Array<[string, string]> = [
  ['EUR', '59.90'],
  ['USD', '120.5'],
  ['CLP', '12990'],
  ['JPY', '4500'],
  ['KWD', '12.345'],
];

function stores(custom: boolean, mode: 'text' | 'template'): StoreSettings[] {
  return Array.from({ length: STORES }, (_, i) => ({
    storeId: `store-${i}`,
    name: `Tienda ${i} & Co.`,
    enabled: true,
    timezone: 'Europe/Madrid',
    defaultCountry: 'ES',
    locale: i % 3 === 0 ? 'en' : 'es',
    openingHours: { mon: [], tue: [], wed: [], thu: [], fri: [], sat: [], sun: [] },
    closedDates: [],
    abandonAfterMinutes: 30,
    sendDelayMinutes: 60,
    maxDeferralHours: 72,
    minHoursBetweenMessages: 24,
    whatsapp: {
      phoneNumberId: `1065403522${String(i).padStart(5, '0')}`,
      mode,
      templateName: 'cart_reminder',
      templateLanguage: i % 3 === 0 ? 'en' : 'es',
      templateParameters: {
        body: ['{{firstName}}', '{{store.name}}', '{{itemsSummary items}}', '{{money}}'],
        buttonUrlSuffix: '{{recoveryLink after="https://shop.example/"}}',
      },
    },
    // Each store words its own message a little differently: 100 distinct compiled templates.
    messageTemplates: custom
      ? {
          es: `¡Hola {{firstName}}! ${i}: en {{store.name}} sigue tu carrito ({{money}}): {{itemsSummary items}}. {{recoveryLink utm_source="whatsapp"}}`,
          en: `Hi {{firstName}}! ${i}: {{store.name}} kept your cart ({{money}}): {{itemsSummary items}}. {{recoveryLink utm_source="whatsapp"}}`,
        }
      : undefined,
  }));
}

function sendDues(count: number): SendDue[] {
  return Array.from({ length: count }, (_, i) => {
    const itemCount = 1 + (i % 7);
    const items: CartItem[] = Array.from({ length: itemCount }, (_, j) => ({
      sku: `SKU-${j}`,
      title: TITLES[(i + j) % TITLES.length],
      quantity: 1 + (j % 3),
      unitPrice: '19.90',
    }));
    const [currency, total] = CURRENCIES[i % CURRENCIES.length];
    return {
      schemaVersion: 1,
      sendId: `send-${i}`,
      storeId: `store-${i % STORES}`,
      cartId: `c_${i}`,
      customer: { phone: '+34600111222', firstName: NAMES[i % NAMES.length], locale: LOCALES[i % LOCALES.length] },
      items,
      currency,
      total,
      recoveryUrl: `https://shop.example/cart/recover/${i}`,
      detectedAt: '2026-11-24T18:33:12.123Z',
      dueAt: '2026-11-25T08:00:00.000Z',
      notAfter: '2026-11-27T18:33:12.123Z',
    };
  });
}

/** Calls per second of `render` over the batch for about `seconds`, after one warming pass. */
function rate(batch: SendDue[], seconds: number, render: (i: number) => void): number {
  for (let i = 0; i < batch.length; i++) render(i);
  let calls = 0;
  const start = process.hrtime.bigint();
  const budget = BigInt(Math.round(seconds * 1e9));
  let elapsed = 0n;
  while (elapsed < budget) {
    for (let i = 0; i < batch.length; i++) render(i);
    calls += batch.length;
    elapsed = process.hrtime.bigint() - start;
  }
  return calls / (Number(elapsed) / 1e9);
}

export const workload: BenchWorkload = {
  name: 'message-templates',
  description:
    'renders per second on one core: shipped and per-store templates, template-mode parameters, cold compiles',
  needsStack: false,
  async run(ctx: BenchContext): Promise<BenchFigure[]> {
    const seconds = ctx.quick ? 0.3 : 3;
    const batch = sendDues(ctx.quick ? 700 : 7000);
    const note = `${batch.length} carts of 1–7 items over ${STORES} stores, 5 currencies, es/en`;
    const target = { value: 20_000, better: 'higher' as const };
    const figures: BenchFigure[] = [];

    const measure = (
      name: string,
      settings: StoreSettings[],
      render: (r: MessageRenderer, s: StoreSettings, d: SendDue) => void,
    ) => {
      const renderer = createMessageRenderer();
      const value = rate(batch, seconds, (i) => render(renderer, settings[i % STORES], batch[i]));
      const { compilations } = renderer.stats();
      figures.push({ name, value, unit: 'renders/s', target, note: `${note}; ${compilations} compilations` });
      ctx.log(`${name}: ${Math.round(value)} renders/s, ${compilations} compilations`);
    };

    measure('text mode, shipped templates', stores(false, 'text'), (r, settings, sendDue) =>
      r.renderMessage({ sendDue, settings }),
    );
    measure('text mode, a template per store', stores(true, 'text'), (r, settings, sendDue) =>
      r.renderMessage({ sendDue, settings }),
    );
    measure('template mode, parameters and URL button', stores(false, 'template'), (r, settings, sendDue) =>
      r.renderTemplateParameters({ sendDue, settings }),
    );

    // Cold: a cache of one entry and a new template each time, so every render compiles.
    const cold = createMessageRenderer({ cacheSize: 1 });
    const base = stores(true, 'text')[0];
    const coldCount = ctx.quick ? 300 : 3000;
    const coldStart = process.hrtime.bigint();
    for (let i = 0; i < coldCount; i++) {
      const own = base.messageTemplates!;
      const settings = { ...base, messageTemplates: { es: `${own.es} #${i}`, en: `${own.en} #${i}` } };
      cold.renderMessage({ sendDue: batch[i % batch.length], settings });
    }
    const coldMicros = Number(process.hrtime.bigint() - coldStart) / 1e3 / coldCount;
    figures.push({
      name: 'compile and first render of a new template',
      value: coldMicros,
      unit: 'µs',
      note: `${cold.stats().compilations} compilations`,
    });

    const checks = stores(true, 'template');
    const checkCount = ctx.quick ? 100 : 1000;
    const checkStart = process.hrtime.bigint();
    for (let i = 0; i < checkCount; i++) templateProblems(checks[i % STORES]);
    const checkMillis = Number(process.hrtime.bigint() - checkStart) / 1e6 / checkCount;
    figures.push({
      name: 'templateProblems per store settings',
      value: checkMillis,
      unit: 'ms',
      note: '2 templates, 5 expressions',
    });
    return figures;
  },
};
