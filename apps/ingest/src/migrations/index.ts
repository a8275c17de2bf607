import { StoreSettings1764000000000 } from './1764000000000-store-settings';

/** Every migration of the ingest schema, oldest first. */
export const ingestMigrations = [StoreSettings1764000000000];
