import { StoreSettings1764000000000 } from './1764000000000-store-settings';
import { ShopifyReconciliation1765100000000 } from './1765100000000-shopify-reconciliation';
import { ErasureRequests1767000000000 } from './1767000000000-erasure-requests';
import { RecoveryLinks1767100000000 } from './1767100000000-recovery-links';

/** Every migration of the ingest schema, oldest first. */
export const ingestMigrations = [
  StoreSettings1764000000000,
  ShopifyReconciliation1765100000000,
  ErasureRequests1767000000000,
  RecoveryLinks1767100000000,
];
