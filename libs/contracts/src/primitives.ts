import { FormatRegistry, Type } from '@sinclair/typebox';

// RFC 3339 with an explicit offset ("Z" or "+01:00"); Date.parse alone accepts too much.
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/i;
FormatRegistry.Set('date-time', (value) => RFC3339.test(value) && !Number.isNaN(Date.parse(value)));
FormatRegistry.Set('https-url', (value) => {
  if (!value.startsWith('https://')) return false;
  try {
    return new URL(value).protocol === 'https:';
  } catch {
    return false;
  }
});

export const STORE_ID_PATTERN = '^[A-Za-z0-9._-]{1,64}$';
export const CART_ID_PATTERN = '^[A-Za-z0-9._:-]{1,128}$';
/** Money travels as a decimal string, never a float ("59.90", "1200", "0.5"). */
export const MONEY_PATTERN = '^(0|[1-9]\\d{0,14})(\\.\\d{1,4})?$';
export const E164_PATTERN = '^\\+[1-9]\\d{6,14}$';

export const StoreId = Type.String({ pattern: STORE_ID_PATTERN, description: 'Store id' });
export const CartId = Type.String({ pattern: CART_ID_PATTERN, description: 'Cart id, unique within a store' });
export const EventId = Type.String({ minLength: 1, maxLength: 200, description: 'Unique per platform event' });
export const Money = Type.String({ pattern: MONEY_PATTERN, description: 'Decimal string with the currency digits' });
export const CurrencyCode = Type.String({ pattern: '^[A-Za-z]{3}$', description: 'ISO 4217 code' });
export const Timestamp = Type.String({ format: 'date-time', description: 'RFC 3339 with offset' });
export const HttpsUrl = Type.String({ format: 'https-url', pattern: '^https://', maxLength: 2048 });
export const E164Phone = Type.String({ pattern: E164_PATTERN, description: 'E.164 phone number' });
export const Locale = Type.String({ pattern: '^[A-Za-z]{2,3}([-_][A-Za-z0-9]{2,8})*$', maxLength: 35 });
export const SchemaVersion1 = Type.Literal(1);
