import { CartEventSchema } from './cart-event';
import { Decoded, defineContract, withDefaults } from './decode';
import { ErasureCompletionSchema, ErasureRequestSchema } from './erasure';
import { LinkClickSchema, RecoveryLinkSchema } from './recovery-link';
import { CustomerOptedOutSchema, MessageOutcomeSchema, type MessageOutcomesRecord } from './message-outcome';
import { SendDueSchema } from './send-due';
import { StoreSettings, StoreSettingsSchema } from './store-settings';

/** Supported `schemaVersion` of every event; a new version is added here, never changed in place. */
export const SCHEMA_VERSION = 1 as const;

export const cartEventContract = defineContract(CartEventSchema);
export const storeSettingsContract = defineContract(StoreSettingsSchema);
export const sendDueContract = defineContract(SendDueSchema);
export const messageOutcomeContract = defineContract(MessageOutcomeSchema);
export const customerOptedOutContract = defineContract(CustomerOptedOutSchema);
export const erasureRequestContract = defineContract(ErasureRequestSchema);
export const erasureCompletionContract = defineContract(ErasureCompletionSchema);
export const recoveryLinkContract = defineContract(RecoveryLinkSchema);
export const linkClickContract = defineContract(LinkClickSchema);

/** A record of the compacted `store-settings` topic, once understood. */
export type StoreSettingsChange =
  | { kind: 'put'; storeId: string; settings: StoreSettings }
  /** A tombstone: the store is deleted. */
  | { kind: 'delete'; storeId: string };

/**
 * Reads a `store-settings` record the way every consumer must: the key is the store, a null
 * value is a tombstone, defaults are filled before validation (as the admin API fills them).
 * Rules the schema cannot express (time zone, overlapping hours) are the consumer's to check.
 */
export function decodeStoreSettingsRecord(key: Buffer | null, value: Buffer | null): Decoded<StoreSettingsChange> {
  const storeId = key?.toString('utf8') ?? '';
  if (!storeId) return { ok: false, reason: 'invalid-id', error: 'store-settings record without a key' };
  if (value === null) return { ok: true, value: { kind: 'delete', storeId } };
  let filled: string | Buffer = value;
  try {
    filled = JSON.stringify(withDefaults(StoreSettingsSchema, JSON.parse(value.toString('utf8'))));
  } catch {
    // not JSON: the decoder names it
  }
  const decoded = storeSettingsContract.decode(filled);
  if (!decoded.ok) return decoded;
  if (decoded.value.storeId !== storeId) {
    return {
      ok: false,
      reason: 'invalid-settings',
      error: `key ${storeId} is not the storeId ${decoded.value.storeId}`,
    };
  }
  return { ok: true, value: { kind: 'put', storeId, settings: decoded.value } };
}

/**
 * Reads a `message-outcomes` record, which carries two shapes: an outcome of one send, or an
 * opt-out of one shopper (the one with `type`). Tell them apart with `isOptOut`.
 */
export function decodeMessageOutcomesRecord(value: Buffer | null): Decoded<MessageOutcomesRecord> {
  let parsed: unknown;
  try {
    parsed = value === null ? null : JSON.parse(value.toString('utf8'));
  } catch {
    return messageOutcomeContract.decode(value); // reports not-json
  }
  if (parsed !== null && typeof parsed === 'object' && 'type' in parsed) return customerOptedOutContract.decode(value);
  return messageOutcomeContract.decode(value);
}

/** Every schema published as a JSON Schema file under libs/contracts/json-schema/. */
export const PUBLISHED_SCHEMAS = {
  'cart-event.v1': CartEventSchema,
  'store-settings.v1': StoreSettingsSchema,
  'send-due.v1': SendDueSchema,
  'message-outcome.v1': MessageOutcomeSchema,
  'customer-opted-out.v1': CustomerOptedOutSchema,
  'erasure-request.v1': ErasureRequestSchema,
  'erasure-completion.v1': ErasureCompletionSchema,
  'recovery-link.v1': RecoveryLinkSchema,
  'link-click.v1': LinkClickSchema,
} as const;
