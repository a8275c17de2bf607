import type { RejectReason } from '@lib/contracts';

/** Where a native payload came from, as the HTTP route or the record's headers say. */
export interface NativeContext {
  /** Store the payload belongs to: the webhook URL's `{storeId}`, or the `store-id` header / key prefix. */
  storeId: string | undefined;
  /** The platform's name for the event (Shopify: `X-Shopify-Topic`, e.g. `checkouts/update`). */
  topic: string | undefined;
  /** The platform's delivery id, when it gives one (Shopify: `X-Shopify-Webhook-Id`). */
  deliveryId: string | undefined;
}

/**
 * What an adapter makes of one native payload: a canonical event candidate (the contract
 * validates and normalizes it afterwards), a payload that is no cart event at all (an order
 * placed without a checkout), or a payload it cannot read.
 */
export type Translated =
  | { kind: 'event'; candidate: Record<string, unknown> }
  | { kind: 'ignored'; why: string }
  | { kind: 'rejected'; reason: RejectReason; error: string };

/**
 * One e-commerce platform. A second platform is one new file implementing this and one line
 * in `platforms/index.ts`; nothing else in ingest knows platform field names.
 */
export interface PlatformAdapter {
  /** The `source` header value on `cart-events-raw`, and the webhook path segment. */
  readonly source: string;
  /** The event names the platform sends that this adapter understands. */
  readonly topics: readonly string[];
  translate(payload: unknown, ctx: NativeContext): Translated;
}
