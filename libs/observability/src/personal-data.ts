/**
 * Phone numbers are personal data: logs show only the country code and the last three
 * digits ("+34******222"). Secrets are never shown at all.
 */
export function maskPhone(phone: string): string {
  const digits = phone.replace(/[^\d+]/g, '');
  if (digits.length <= 5) return '***';
  const head = digits.startsWith('+') ? digits.slice(0, 3) : digits.slice(0, 2);
  const tail = digits.slice(-3);
  return head + '*'.repeat(Math.max(3, digits.length - head.length - 3)) + tail;
}

/** Keys whose values are secrets: removed from every log line, at any depth. */
export const SECRET_KEYS = [
  'accessToken',
  'access_token',
  'authorization',
  'Authorization',
  'appSecret',
  'apiKey',
  'apiKeys',
  'password',
  'token',
  'verifyToken',
  'webhookSecret',
  'DATABASE_URL',
];

/** Keys whose values are phone numbers: masked, at any depth. */
export const PHONE_KEYS = ['phone', 'to', 'recipient_id', 'wa_id', 'from', 'input'];

const SECRET = new Set(SECRET_KEYS);
const PHONE = new Set(PHONE_KEYS);
const E164_IN_TEXT = /\+?\d[\d ().-]{6,}\d/g;

/** A copy of a log value with secrets removed and phone numbers masked. */
export function scrub(value: unknown, depth = 0): unknown {
  if (depth > 8 || value === null || typeof value !== 'object') return value;
  if (value instanceof Error) return { type: value.name, message: scrubText(value.message), stack: value.stack };
  if (Array.isArray(value)) return value.map((v) => scrub(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    if (SECRET.has(key)) out[key] = '[redacted]';
    else if (PHONE.has(key) && typeof v === 'string') out[key] = maskPhone(v);
    else out[key] = scrub(v, depth + 1);
  }
  return out;
}

/** Masks anything that looks like a phone number inside free text (error messages). */
export function scrubText(text: string): string {
  return text.replace(E164_IN_TEXT, (m) => (m.replace(/\D/g, '').length >= 7 ? maskPhone(m) : m));
}
