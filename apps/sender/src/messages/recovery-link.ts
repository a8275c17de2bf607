import { cartKey, type RecoveryLink, type SendDue, type StoreSettings } from '@lib/contracts';
import type { OutgoingRecord } from '@lib/kafka';
import { mintLinkToken, type LinkSigningKeys } from '@lib/secrets';
import type { TrackedLink } from '@lib/message-templates';

/** A message's click-tracked link: what its text shows, and the record ingest resolves it from. */
export interface MessageLink {
  tracked: TrackedLink;
  record: RecoveryLink;
}

/**
 * The link of a message about to be written as an intent, when its store has `links.baseUrl`
 * and the sender holds LINK_SIGNING_KEYS; otherwise none, and the message keeps the store's own
 * recovery URL. A new token each time: a message decided again (deferred, then sent) gets a new
 * link, and the one it never showed just never gets a click.
 */
export function recoveryLinkFor(
  sendDue: SendDue,
  settings: StoreSettings,
  keys: LinkSigningKeys | undefined,
  now: Date,
): MessageLink | undefined {
  const links = settings.links;
  if (!links?.baseUrl || !keys) return undefined;
  const token = mintLinkToken(keys);
  return {
    tracked: { url: `${links.baseUrl}/r/${token}`, token },
    record: {
      schemaVersion: 1,
      token,
      sendId: sendDue.sendId,
      storeId: sendDue.storeId,
      cartId: sendDue.cartId,
      destination: sendDue.recoveryUrl,
      ...(links.utmMedium ? { utmMedium: links.utmMedium } : {}),
      ...(links.utmCampaign ? { utmCampaign: links.utmCampaign } : {}),
      createdAt: now.toISOString(),
    },
  };
}

/** The links of the messages about to go out, as records of `recovery-links` (keyed by cart). */
export function recoveryLinkRecords(
  topic: string,
  messages: Array<{ state: string; link?: RecoveryLink }>,
): OutgoingRecord[] {
  return messages
    .filter((m) => m.state === 'sending' && m.link)
    .map((m) => ({ topic, key: cartKey(m.link!.storeId, m.link!.cartId), value: JSON.stringify(m.link) }));
}
