/**
 * The demo's two stores and its shoppers. Everything goes through the product's real settings
 * (short abandonAfterMinutes, no send delay, opening hours computed from now); nothing here
 * is a demo-only switch of the services.
 */
import type { StoreSettings } from '@lib/contracts';
import { cartEvent, CartSpec, defaultAccessToken, hoursOpeningIn, hoursOpenNow } from '../../test/support/pipeline';

export const MADRID = 'zapateria-lola';
export const BROOKLYN = 'brooklyn-bikes';

/** How long before publishing the shoppers' last activity happened: detection comes this much sooner. */
export const ACTIVITY_AGO_MS = 40_000;

export function demoStores(now: Date): { stores: StoreSettings[]; brooklynOpensAt: Date } {
  const brooklyn = hoursOpeningIn('America/New_York', 1, now, 180);
  const stores: StoreSettings[] = [
    {
      storeId: MADRID,
      name: 'Zapatería Lola',
      enabled: true,
      timezone: 'Europe/Madrid',
      defaultCountry: 'ES',
      locale: 'es',
      openingHours: hoursOpenNow('Europe/Madrid', now, 60, 240),
      closedDates: [],
      abandonAfterMinutes: 1,
      sendDelayMinutes: 0,
      maxDeferralHours: 72,
      // No frequency cap here, so what stops Lucía's second cart is her "BAJA", nothing else.
      minHoursBetweenMessages: 0,
      whatsapp: { phoneNumberId: '106540352242922', accessToken: defaultAccessToken, mode: 'text' },
    },
    {
      storeId: BROOKLYN,
      name: 'Brooklyn Bikes',
      enabled: true,
      timezone: 'America/New_York',
      defaultCountry: 'US',
      locale: 'en',
      openingHours: brooklyn.hours,
      closedDates: [],
      abandonAfterMinutes: 1,
      sendDelayMinutes: 0,
      maxDeferralHours: 72,
      minHoursBetweenMessages: 24,
      whatsapp: { phoneNumberId: '106540352249999', accessToken: defaultAccessToken, mode: 'text' },
    },
  ];
  return { stores, brooklynOpensAt: brooklyn.opensAt };
}

export interface Shopper {
  cartId: string;
  storeId: string;
  who: string;
  phone?: string;
  /** What the demo expects, in words, and whether a message should reach the shopper. */
  expect: string;
  messaged: boolean;
  /** Another cart of the same shopper: the two together get one message (one per 24 h). */
  pairedWith?: string;
}

const item = (sku: string, title: string, unitPrice: string, quantity = 1) => ({ sku, title, quantity, unitPrice });

export const SHOPPERS: Shopper[] = [
  { cartId: 'c-1001', storeId: MADRID, who: 'Ana', phone: '+34 600 111 222', expect: 'one message', messaged: true },
  {
    cartId: 'c-1002',
    storeId: MADRID,
    who: 'Javier',
    phone: '+34611223344',
    expect: 'one message, then buys: recovered',
    messaged: true,
  },
  {
    cartId: 'c-1003',
    storeId: MADRID,
    who: 'Lucía',
    phone: '+34622334455',
    expect: 'one message, answers "BAJA"',
    messaged: true,
  },
  {
    cartId: 'c-1004',
    storeId: MADRID,
    who: 'Lucía (2nd cart)',
    phone: '+34622334455',
    expect: 'nothing: she opted out',
    messaged: false,
  },
  {
    cartId: 'c-1005',
    storeId: MADRID,
    who: 'Marta',
    phone: '+34633445566',
    expect: 'nothing: bought before',
    messaged: false,
  },
  { cartId: 'c-1006', storeId: MADRID, who: '(anonymous)', expect: 'nothing: no phone', messaged: false },
  {
    cartId: 'c-1007',
    storeId: MADRID,
    who: 'Pablo',
    phone: '+34644556677',
    expect: 'nothing: no WhatsApp consent',
    messaged: false,
  },
  {
    cartId: 'c-1008',
    storeId: MADRID,
    who: 'Elena',
    phone: '+34655667788',
    expect: 'one message (5 products)',
    messaged: true,
  },
  {
    cartId: 'n-2001',
    storeId: BROOKLYN,
    who: 'Mike (2 carts)',
    phone: '+1 646 712 3456',
    expect: 'one message at the opening for both',
    messaged: true,
    pairedWith: 'n-2002',
  },
  {
    cartId: 'n-2002',
    storeId: BROOKLYN,
    who: 'Mike (2nd cart)',
    phone: '+16467123456',
    expect: 'one message per 24 h',
    messaged: true,
    pairedWith: 'n-2001',
  },
  {
    cartId: 'n-2003',
    storeId: BROOKLYN,
    who: 'Sarah',
    phone: '+16467123457',
    expect: 'one message at the opening',
    messaged: true,
  },
  {
    cartId: 'n-2004',
    storeId: BROOKLYN,
    who: 'Tom',
    phone: '+16467123458',
    expect: 'nothing: bought before the opening',
    messaged: false,
  },
];

/** The carts judged together: a shopper's paired carts form one group. */
export function cartGroups(): Shopper[][] {
  const seen = new Set<string>();
  const groups: Shopper[][] = [];
  for (const s of SHOPPERS) {
    if (seen.has(s.cartId)) continue;
    const group = s.pairedWith ? [s, SHOPPERS.find((x) => x.cartId === s.pairedWith)!] : [s];
    group.forEach((g) => seen.add(g.cartId));
    groups.push(group);
  }
  return groups;
}

export function shopperOf(storeId: string, cartId: string): Shopper | undefined {
  return SHOPPERS.find((s) => s.storeId === storeId && s.cartId === cartId);
}

function spec(s: Shopper, at: Date, extra: Partial<CartSpec> = {}): CartSpec {
  const firstName = s.who.split(' ')[0];
  return {
    storeId: s.storeId,
    cartId: s.cartId,
    occurredAt: at,
    phone: s.phone,
    firstName: s.phone ? firstName : undefined,
    locale: s.storeId === MADRID ? 'es-ES' : 'en-US',
    currency: s.storeId === MADRID ? 'EUR' : 'USD',
    ...extra,
  };
}

const by = (cartId: string) => SHOPPERS.find((s) => s.cartId === cartId)!;

/**
 * The first wave: what the platforms report about the shoppers' visits, with a duplicate
 * and an out-of-order pair thrown in (at-least-once delivery is normal).
 * Madrid's events go through HTTP, Brooklyn's through the cart-events-raw topic.
 */
export function firstWave(now: Date): Array<Record<string, unknown>> {
  const t = (msAgo: number) => new Date(now.getTime() - msAgo);
  const ago = ACTIVITY_AGO_MS;
  const ana = cartEvent(spec(by('c-1001'), t(ago + 20_000), { items: [item('ZAP-42', 'Zapatillas Lola', '59.90')] }));
  const anaLater = cartEvent(
    spec(by('c-1001'), t(ago), {
      items: [item('ZAP-42', 'Zapatillas Lola', '59.90'), item('CAL-3', 'Calcetines de algodón', '4.50', 3)],
    }),
  );
  return [
    // Ana's two updates arrive newest first; the older one must not win.
    anaLater,
    ana,
    anaLater, // and the newest one twice
    cartEvent(
      spec(by('c-1002'), t(ago), {
        items: [item('BOT-7', 'Botines Chelsea', '89.00'), item('CAL-3', 'Calcetines de algodón', '4.50', 2)],
      }),
    ),
    cartEvent(spec(by('c-1003'), t(ago), { items: [item('SAN-1', 'Sandalias Marina', '45.00')] })),
    cartEvent(spec(by('c-1005'), t(ago), { type: 'checkout.started', items: [item('MOC-2', 'Mocasines', '72.00')] })),
    cartEvent(
      spec(by('c-1005'), t(5_000), {
        type: 'cart.converted',
        items: [item('MOC-2', 'Mocasines', '72.00')],
        orderId: 'LOLA-5001',
      }),
    ),
    cartEvent(spec(by('c-1006'), t(ago), { items: [item('ZAP-42', 'Zapatillas Lola', '59.90')] })),
    cartEvent(spec(by('c-1007'), t(ago), { optIn: false, items: [item('BOT-7', 'Botines Chelsea', '89.00')] })),
    cartEvent(
      spec(by('c-1008'), t(ago), {
        items: [
          item('ZAP-42', 'Zapatillas Lola', '59.90'),
          item('BOT-7', 'Botines Chelsea', '89.00'),
          item('SAN-1', 'Sandalias Marina', '45.00'),
          item('CAL-3', 'Calcetines de algodón', '4.50', 4),
          item('CRE-1', 'Crema para piel', '9.95'),
        ],
      }),
    ),
    cartEvent(spec(by('n-2001'), t(ago), { items: [item('HLM-1', 'Road bike helmet', '89.99')] })),
    cartEvent(spec(by('n-2002'), t(ago - 10_000), { items: [item('LGT-2', 'Bike lights set', '24.50')] })),
    cartEvent(
      spec(by('n-2003'), t(ago), {
        items: [item('JRS-3', 'Cycling jersey', '65.00'), item('SCK-1', 'Cycling socks', '12.00', 2)],
      }),
    ),
    cartEvent(spec(by('n-2004'), t(ago), { items: [item('PMP-1', 'Floor pump', '39.00')] })),
    cartEvent(
      spec(by('n-2004'), t(10_000), {
        type: 'cart.converted',
        items: [item('PMP-1', 'Floor pump', '39.00')],
        orderId: 'BB-9001',
      }),
    ),
  ];
}

/** Lucía comes back after answering "BAJA" and leaves a new cart. */
export function luciaSecondCart(now: Date): Record<string, unknown> {
  return cartEvent(
    spec(by('c-1004'), new Date(now.getTime() - ACTIVITY_AGO_MS), { items: [item('BOL-1', 'Bolso de piel', '35.00')] }),
  );
}

/** Javier buys after his reminder: the order the stats attribute to the message. */
export function javierBuys(now: Date): Record<string, unknown> {
  return cartEvent(
    spec(by('c-1002'), now, {
      type: 'cart.converted',
      items: [item('BOT-7', 'Botines Chelsea', '89.00'), item('CAL-3', 'Calcetines de algodón', '4.50', 2)],
      orderId: 'LOLA-5002',
    }),
  );
}
