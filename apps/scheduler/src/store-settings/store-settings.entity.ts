import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { StoreSettings } from '@lib/contracts';

/**
 * The latest valid settings of a store, as read from `store-settings` (defaults filled);
 * null once the store was deleted.
 */
@Entity({ name: 'store_settings' })
export class StoreSettingsRow {
  @PrimaryColumn({ name: 'store_id', type: 'text' }) storeId!: string;
  @Column({ type: 'jsonb', nullable: true }) settings!: StoreSettings | null;
  /** The planning fingerprint the store's carts were last re-planned with. */
  @Column({ name: 'planned_for', type: 'text', nullable: true }) plannedFor!: string | null;
  @Column({ name: 'updated_at', type: 'timestamptz' }) updatedAt!: Date;
}
