import { Column, Entity, PrimaryColumn } from 'typeorm';

/** A closed abandonment episode (emitted, expired or skipped), kept for the stats. */
@Entity({ name: 'abandonments' })
export class AbandonmentRow {
  @PrimaryColumn({ name: 'store_id', type: 'text' }) storeId!: string;
  @PrimaryColumn({ name: 'cart_id', type: 'text' }) cartId!: string;
  @PrimaryColumn({ type: 'integer' }) episode!: number;
  @Column({ type: 'text' }) status!: 'emitted' | 'expired' | 'skipped';
  @Column({ type: 'text', nullable: true }) reason!: string | null;
  @Column({ name: 'detected_at', type: 'timestamptz' }) detectedAt!: Date;
  @Column({ name: 'due_at', type: 'timestamptz', nullable: true }) dueAt!: Date | null;
  @Column({ name: 'not_after', type: 'timestamptz', nullable: true }) notAfter!: Date | null;
  @Column({ name: 'closed_at', type: 'timestamptz' }) closedAt!: Date;
  @Column({ name: 'send_id', type: 'text', nullable: true, unique: true }) sendId!: string | null;
}
