import { planSend as planSendOfLib } from '@lib/business-hours';
import type { PlanSend } from './cart-events/abandonment';

/** The business-hours lib, seen through the shapes the scheduler depends on. */
export const planSend: PlanSend = planSendOfLib;
