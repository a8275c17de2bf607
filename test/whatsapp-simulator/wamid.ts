import { randomBytes } from 'node:crypto';

/**
 * A WhatsApp message id shaped like Meta's: `wamid.` + base64 of a small binary record that
 * holds the recipient's number and a random key (e.g. `wamid.HBgLMzQ2MDAxMTEyMjIVAgARGBI…`).
 * Clients must treat it as opaque; the shape only keeps logs and lengths realistic.
 */
export function newWamid(waId: string): string {
  const digits = Buffer.from(waId.slice(0, 20), 'ascii');
  const key = Buffer.from(randomBytes(9).toString('hex').toUpperCase(), 'ascii');
  const record = Buffer.concat([
    Buffer.from([0x1c, 0x18, digits.length]),
    digits,
    Buffer.from([0x15, 0x02, 0x00, 0x11, 0x18, key.length]),
    key,
    Buffer.from([0x00]),
  ]);
  return `wamid.${record.toString('base64')}`;
}

/** Conversation ids in status webhooks are 32 hex characters. */
export function newConversationId(): string {
  return randomBytes(16).toString('hex');
}
