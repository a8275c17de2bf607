import { withoutSecrets } from '@lib/contracts';
import type { StoreSettings } from '@lib/contracts';

/**
 * What a merchant changes from the console: the opening hours, the time zone, the closed
 * dates and the message (the text templates, or the approved template's parameters).
 * Everything else (WhatsApp number, secrets, timings) stays the platform's, through its
 * admin API.
 */
export const CONSOLE_FIELDS = ['timezone', 'openingHours', 'closedDates', 'messageTemplates', 'templateParameters'];

export type ConsoleChanges = { ok: true; body: Record<string, unknown> } | { ok: false; problems: string[] };

/**
 * The admin API's `PUT` body for the store's current settings with the console's changes:
 * the settings as `GET` shows them (secrets only as set/not set: the admin path keeps the
 * stored ones), each changed field replaced. The admin path then checks it like any other.
 */
export function applyConsoleChanges(current: StoreSettings, changes: unknown): ConsoleChanges {
  if (changes === undefined || changes === null) changes = {};
  if (typeof changes !== 'object' || Array.isArray(changes)) {
    return { ok: false, problems: ['the changes must be an object'] };
  }
  const given = changes as Record<string, unknown>;
  const foreign = Object.keys(given).filter((k) => !CONSOLE_FIELDS.includes(k));
  if (foreign.length) {
    return { ok: false, problems: foreign.map((k) => `${k}: not changed from the console (the platform sets it)`) };
  }
  const body = structuredClone(withoutSecrets(current)) as unknown as Record<string, unknown>;
  for (const field of ['timezone', 'openingHours', 'closedDates', 'messageTemplates'] as const) {
    if (given[field] !== undefined) body[field] = given[field];
  }
  // An empty set of templates is the shipped default's turn.
  if (isEmptyObject(body.messageTemplates)) delete body.messageTemplates;
  if (given.templateParameters !== undefined) {
    body.whatsapp = { ...(body.whatsapp as object), templateParameters: given.templateParameters };
  }
  return { ok: true, body };
}

function isEmptyObject(value: unknown): boolean {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && Object.keys(value).length === 0;
}
