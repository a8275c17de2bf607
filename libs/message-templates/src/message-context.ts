import type { SendDue, StoreSettings } from '@lib/contracts';
import { shopperText } from './shopper-text';

/** Longest first name shown; longer ones are cut with "…". */
export const FIRST_NAME_MAX = 40;
/** Longest store name shown. */
export const STORE_NAME_MAX = 80;
/** Longest product title shown, in the summary or in an `{{#each items}}` loop. */
export const TITLE_MAX = 60;
const SKU_MAX = 64;

export interface MessageItem {
  sku: string;
  title: string;
  quantity: number;
  unitPrice: string;
  imageUrl: string;
}

/**
 * What a template sees. Every key is always present ('' when unknown), so strict templates fail
 * on typos, not on a shopper without a name. The phone number is deliberately absent.
 */
export interface MessageContext {
  store: { id: string; name: string };
  customer: { firstName: string; locale: string };
  items: MessageItem[];
  /** Units in the cart (sum of quantities). */
  itemCount: number;
  currency: string;
  total: string;
  recoveryUrl: string;
  cartId: string;
  /** The message's language ("es", "en"). */
  locale: string;
}

/** Runtime data for the helpers, passed as Handlebars `data` (not visible as fields). */
export interface HelperData {
  language: string;
  /** Intl locale for money and lists. */
  formatLocale: string;
  /** Set by templateProblems: sample data, where a store-specific URL prefix cannot match. */
  sample?: boolean;
}

export function messageContext(sendDue: SendDue, settings: StoreSettings, language: string): MessageContext {
  const items = sendDue.items.map((item) => {
    const sku = shopperText(item.sku, SKU_MAX);
    // A title of only spaces or control characters cleans to nothing; the SKU is better than a gap.
    const title = shopperText(item.title, TITLE_MAX) || sku || '?';
    return {
      sku,
      title,
      quantity: item.quantity,
      unitPrice: item.unitPrice,
      imageUrl: item.imageUrl ?? '',
    };
  });
  return {
    // The store id is a plain slug: a fallback for a name that cleans to nothing.
    store: { id: settings.storeId, name: shopperText(settings.name, STORE_NAME_MAX) || settings.storeId },
    customer: {
      firstName: shopperText(sendDue.customer.firstName, FIRST_NAME_MAX),
      locale: sendDue.customer.locale ?? '',
    },
    items,
    itemCount: items.reduce((sum, item) => sum + item.quantity, 0),
    currency: sendDue.currency?.toUpperCase() ?? '',
    total: sendDue.total ?? '',
    recoveryUrl: sendDue.recoveryUrl,
    cartId: sendDue.cartId,
    locale: language,
  };
}
