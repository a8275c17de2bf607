// Business hours: when a store is open, and when the message for an abandoned cart goes out.
// Pure functions over luxon's zone data; no I/O. Rules and DST decisions: docs/business-hours.md.
export { planSend, type PlanSendInput } from './plan-send';
export { validateOpeningHours, type OpeningHours, type StoreSchedule } from './opening-hours';
export { isOpen, nextOpening, nextClosing } from './schedule';
export { describeSchedule } from './describe';
export { isValidTimeZone } from './zone-offsets';
export { acceptStoreSettings } from './store-settings-record';
export type { Weekday } from '@lib/contracts';
