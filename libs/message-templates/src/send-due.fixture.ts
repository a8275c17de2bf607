// Send-dues and store settings for the specs: valid per libs/contracts, varied per test.
import type { CartItem, SendDue, StoreSettings } from '@lib/contracts';

const ALWAYS_OPEN = { mon: [], tue: [], wed: [], thu: [], fri: [], sat: [], sun: [] };

export function storeSettings(overrides: Partial<StoreSettings> = {}): StoreSettings {
  return {
    storeId: 'lola-shoes',
    name: 'Zapatería Lola',
    enabled: true,
    timezone: 'Europe/Madrid',
    defaultCountry: 'ES',
    locale: 'es',
    openingHours: ALWAYS_OPEN,
    closedDates: [],
    abandonAfterMinutes: 30,
    sendDelayMinutes: 60,
    maxDeferralHours: 72,
    minHoursBetweenMessages: 24,
    whatsapp: { phoneNumberId: '106540352242922', mode: 'text' },
    ...overrides,
  };
}

export const PRODUCT_TITLES = [
  'Zapatillas Lola',
  'Calcetines de lana',
  'Gorra',
  'Bolso Marta',
  'Cinturón',
  'Sandalias',
  'Botas de agua',
];

export function items(count: number): CartItem[] {
  return Array.from({ length: count }, (_, i) => ({
    sku: `SKU-${i + 1}`,
    title: PRODUCT_TITLES[i % PRODUCT_TITLES.length],
    quantity: i + 1,
    unitPrice: '10.00',
  }));
}

export function sendDue(overrides: Partial<SendDue> = {}, customer: Partial<SendDue['customer']> = {}): SendDue {
  return {
    schemaVersion: 1,
    sendId: 'send-1',
    storeId: 'lola-shoes',
    cartId: 'c_8812',
    customer: { phone: '+34600111222', firstName: 'Ana', locale: 'es-ES', ...customer },
    items: items(1),
    currency: 'EUR',
    total: '59.90',
    recoveryUrl: 'https://lola.example/cart/recover/8812',
    detectedAt: '2026-11-24T18:33:12.123Z',
    dueAt: '2026-11-25T08:00:00.000Z',
    notAfter: '2026-11-27T18:33:12.123Z',
    ...overrides,
  };
}

/** Intl puts no-break spaces in "59,90 €"; tests compare with plain ones. */
export function plainSpaces(text: string): string {
  return text.replace(/[\u00A0\u202F]/g, ' ');
}
