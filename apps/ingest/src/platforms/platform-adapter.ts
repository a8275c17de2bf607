import type { RejectReason } from '@lib/contracts';

/** Where a native payload came from, as the HTTP route or the record's headers say. */
export interface NativeContext {
  /** Store the payload belongs to: the webhook URL's `{storeId}`, or the `store-id` header / key prefix. */
  storeId: string | undefined;
  /** The platform's name for the event (Shopify: `X-Shopify-Topic`, e.g. `checkouts/update`). */
  topic: string | undefined;
  /** The platform's delivery id, when it gives one (Shopify: `X-Shopify-Webhook-Id`). */
  deliveryId: string | undefined;
  /**
   * The platform's id of the merchant action behind the delivery, shared by every delivery of
   * it across subscriptions (Shopify: `X-Shopify-Event-Id`).
   */
  platformEventId?: string;
  /** When the platform says the action happened (Shopify: `X-Shopify-Triggered-At`). */
  triggeredAt?: string;
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

/** Headers of an HTTP request, lower-cased names as Node gives them. */
export type RequestHeaders = Record<string, string | string[] | undefined>;

export type SignatureCheck = 'valid' | 'missing' | 'invalid';

/** How a platform delivers webhooks: where the signature, event name and delivery id travel. */
export interface PlatformWebhooks {
  /** Checks the delivery's signature over the raw body bytes, in constant time. */
  verify(rawBody: Buffer, headers: RequestHeaders, secret: string): SignatureCheck;
  topicOf(headers: RequestHeaders): string | undefined;
  deliveryIdOf(headers: RequestHeaders): string | undefined;
  /** The id of the action behind the delivery, shared by its redeliveries and sibling subscriptions. */
  eventIdOf?(headers: RequestHeaders): string | undefined;
  /** When the action happened, as the platform's headers say. */
  triggeredAtOf?(headers: RequestHeaders): string | undefined;
  /** The cart a payload belongs to, so one cart's deliveries share a key on `cart-events-raw`. */
  cartIdOf(payload: unknown): string | undefined;
}

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
  /** Present when the platform can push webhooks to `POST /v1/webhooks/{source}/{storeId}`. */
  readonly webhooks?: PlatformWebhooks;
}
