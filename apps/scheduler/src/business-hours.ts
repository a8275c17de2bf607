import { planSend as planSendOfLib, validateOpeningHours } from '@lib/business-hours';
import type { StoreSettings } from '@lib/contracts';
import type { PlanSend } from './cart-events/abandonment';
import type { OpeningHoursCheck } from './store-settings/accept-store-settings';

/** The business-hours lib, seen through the shapes the scheduler depends on. */
export const planSend: PlanSend = planSendOfLib;

export const openingHoursCheck: OpeningHoursCheck = (settings: StoreSettings) => {
  const problems = validateOpeningHours(settings.openingHours, settings.closedDates);
  return problems.length === 0 ? null : problems.join('; ');
};
