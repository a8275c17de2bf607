import { shopperDataRow } from '@lib/contracts';

/** What the answer says of a suppression: it holds no phone, only that the shopper's opt-out outlived an erasure. */
export const SUPPRESSION_NOTE =
  "an erasure suppression exists: the shopper's opt-out, kept by the phone's keyed hash only after an erasure";

/** A suppression row as the access request shows it: its store, time and source, and the note; never the hash. */
export function suppressionOf(row: Record<string, unknown>): Record<string, unknown> {
  const { phoneHash: _hash, ...rest } = shopperDataRow(row);
  return { ...rest, note: SUPPRESSION_NOTE };
}
