import { Column, Entity, PrimaryColumn } from 'typeorm';

/** What the sender reported for one sendId: the first time of each status. */
@Entity({ name: 'message_outcomes' })
export class MessageOutcomeRow {
  @PrimaryColumn({ name: 'send_id', type: 'text' }) sendId!: string;
  @Column({ name: 'store_id', type: 'text' }) storeId!: string;
  @Column({ name: 'cart_id', type: 'text' }) cartId!: string;
  @Column({ name: 'sent_at', type: 'timestamptz', nullable: true }) sentAt!: Date | null;
  @Column({ name: 'delivered_at', type: 'timestamptz', nullable: true }) deliveredAt!: Date | null;
  @Column({ name: 'read_at', type: 'timestamptz', nullable: true }) readAt!: Date | null;
  @Column({ name: 'failed_at', type: 'timestamptz', nullable: true }) failedAt!: Date | null;
  @Column({ name: 'failed_reason', type: 'text', nullable: true }) failedReason!: string | null;
  @Column({ name: 'skipped_at', type: 'timestamptz', nullable: true }) skippedAt!: Date | null;
  @Column({ name: 'skipped_reason', type: 'text', nullable: true }) skippedReason!: string | null;
  @Column({ name: 'expired_at', type: 'timestamptz', nullable: true }) expiredAt!: Date | null;
  @Column({ name: 'deferred_at', type: 'timestamptz', nullable: true }) deferredAt!: Date | null;
  @Column({ name: 'updated_at', type: 'timestamptz' }) updatedAt!: Date;
}
