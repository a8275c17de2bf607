import { CartEventSchema } from './cart-event';
import { defineContract } from './decode';
import { CustomerOptedOutSchema, MessageOutcomeSchema } from './message-outcome';
import { SendDueSchema } from './send-due';
import { StoreSettingsSchema } from './store-settings';

/** Supported `schemaVersion` of every event; a new version is added here, never changed in place. */
export const SCHEMA_VERSION = 1 as const;

export const cartEventContract = defineContract(CartEventSchema);
export const storeSettingsContract = defineContract(StoreSettingsSchema);
export const sendDueContract = defineContract(SendDueSchema);
export const messageOutcomeContract = defineContract(MessageOutcomeSchema);
export const customerOptedOutContract = defineContract(CustomerOptedOutSchema);

/** Every schema published as a JSON Schema file under libs/contracts/json-schema/. */
export const PUBLISHED_SCHEMAS = {
  'cart-event.v1': CartEventSchema,
  'store-settings.v1': StoreSettingsSchema,
  'send-due.v1': SendDueSchema,
  'message-outcome.v1': MessageOutcomeSchema,
  'customer-opted-out.v1': CustomerOptedOutSchema,
} as const;
