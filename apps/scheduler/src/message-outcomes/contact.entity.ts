import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * One shopper (phone) of one store: the opt-out, and the frequency hold taken by the send
 * that may message them now (no other send for this phone before `hold_until`).
 */
@Entity({ name: 'contacts' })
export class ContactRow {
  @PrimaryColumn({ name: 'store_id', type: 'text' }) storeId!: string;
  @PrimaryColumn({ type: 'text' }) phone!: string;
  @Column({ name: 'opted_out_at', type: 'timestamptz', nullable: true }) optedOutAt!: Date | null;
  @Column({ name: 'hold_send_id', type: 'text', nullable: true }) holdSendId!: string | null;
  @Column({ name: 'hold_until', type: 'timestamptz', nullable: true }) holdUntil!: Date | null;
  @Column({ name: 'last_sent_at', type: 'timestamptz', nullable: true }) lastSentAt!: Date | null;
}
