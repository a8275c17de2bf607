import type { PlatformAdapter } from './platform-adapter';
import { shopify } from './shopify';

export type {
  NativeContext,
  PlatformAdapter,
  PlatformWebhooks,
  RequestHeaders,
  SignatureCheck,
  Translated,
} from './platform-adapter';

/** Every platform ingest reads natively, by its `source` name. */
export const PLATFORM_ADAPTERS: ReadonlyMap<string, PlatformAdapter> = new Map(
  [shopify].map((adapter) => [adapter.source, adapter]),
);
