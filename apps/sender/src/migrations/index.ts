import type { MigrationInterface } from 'typeorm';
import { SenderState1764200000000 } from './1764200000000-sender-state';
import { NumberPace1764900000000 } from './1764900000000-number-pace';
import { StoreTokenPlaintextDropped1766100000000 } from './1766100000000-store-token-plaintext-dropped';
import { ShopperIdentitiesAndTemplates1766700000000 } from './1766700000000-shopper-identities-and-templates';
import { Suppressions1767000000002 } from './1767000000002-suppressions';
import { MessagesStoreRecent1767200000000 } from './1767200000000-messages-store-recent';
import { SenderErasedShoppers1767300000000 } from './1767300000000-erased-shoppers';
import { DeletedStores1767400000000 } from './1767400000000-deleted-stores';
import { PacedMessages1767500000000 } from './1767500000000-paced-messages';

/** Every migration of the sender schema, oldest first. */
export const senderMigrations: Array<new () => MigrationInterface> = [
  SenderState1764200000000,
  NumberPace1764900000000,
  StoreTokenPlaintextDropped1766100000000,
  ShopperIdentitiesAndTemplates1766700000000,
  Suppressions1767000000002,
  MessagesStoreRecent1767200000000,
  SenderErasedShoppers1767300000000,
  DeletedStores1767400000000,
  PacedMessages1767500000000,
];
