import { parsePhoneNumberFromString } from 'libphonenumber-js';
import type { StoreSettings } from '@lib/contracts';
import { routingCategory } from '../templates/template-state';

/**
 * Markets Meta does not deliver to. Since 1 April 2025 Meta delivers no marketing template to
 * a United States number; a reminder sent there costs a call and the shopper's frequency slot
 * for nothing. +1 is shared by the US, Canada and the other NANP members: they are told apart
 * by area code (libphonenumber), and only the United States is blocked (Canada is not known
 * to be affected; US territories with their own region, e.g. Puerto Rico, are not blocked).
 */
export interface MarketRules {
  /** Skip marketing templates to US numbers (SENDER_MARKET_BLOCK_US). */
  blockUsMarketing: boolean;
}

/** The country (ISO 3166 alpha-2) of an E.164 phone by its number plan, or undefined when unknown. */
export function phoneCountry(phone: string): string | undefined {
  return parsePhoneNumberFromString(phone.startsWith('+') ? phone : `+${phone}`)?.country;
}

/**
 * Whether the store's reminder is a marketing template: template mode, with the category Meta
 * gave the template last (`latestCategory`, template_category_update) or else the one the
 * store declared; a template of no known category counts as marketing (a cart reminder is
 * Meta's own marketing example). Text messages are not templates.
 */
export function sendsMarketingTemplates(settings: StoreSettings, latestCategory: string | null = null): boolean {
  const { mode, templateCategory } = settings.whatsapp;
  return mode === 'template' && (routingCategory(latestCategory, templateCategory) ?? 'MARKETING') === 'MARKETING';
}

/** True when this shopper's reminder would be a marketing template to a market Meta blocks. */
export function marketBlocked(
  phone: string,
  settings: StoreSettings,
  rules: MarketRules,
  latestCategory: string | null = null,
): boolean {
  if (!rules.blockUsMarketing || !phone.replace(/\D/g, '').startsWith('1')) return false;
  return sendsMarketingTemplates(settings, latestCategory) && phoneCountry(phone) === 'US';
}
