import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { CartFacts } from './cart-facts';

/** One cart: merged facts, its current abandonment episode and its durable timer (if any). */
@Entity({ name: 'carts' })
export class CartRow {
  @PrimaryColumn({ name: 'store_id', type: 'text' }) storeId!: string;
  @PrimaryColumn({ name: 'cart_id', type: 'text' }) cartId!: string;
  /** Optimistic concurrency: every write expects the version it read. */
  @Column({ type: 'integer' }) version!: number;
  @Column({ type: 'jsonb' }) facts!: CartFacts;
  /** E.164 of a reachable customer, for opt-outs. */
  @Column({ type: 'text', nullable: true }) phone!: string | null;
  @Column({ name: 'last_activity_at', type: 'timestamptz', nullable: true }) lastActivityAt!: Date | null;
  @Column({ name: 'converted_at', type: 'timestamptz', nullable: true }) convertedAt!: Date | null;
  @Column({ name: 'order_total', type: 'numeric', nullable: true }) orderTotal!: string | null;
  @Column({ name: 'order_currency', type: 'text', nullable: true }) orderCurrency!: string | null;
  @Column({ type: 'integer' }) episode!: number;
  @Column({ type: 'text' }) status!: string;
  @Column({ type: 'text', nullable: true }) reason!: string | null;
  @Column({ name: 'detected_at', type: 'timestamptz', nullable: true }) detectedAt!: Date | null;
  @Column({ name: 'due_at', type: 'timestamptz', nullable: true }) dueAt!: Date | null;
  @Column({ name: 'not_after', type: 'timestamptz', nullable: true }) notAfter!: Date | null;
  @Column({ name: 'closed_at', type: 'timestamptz', nullable: true }) closedAt!: Date | null;
  @Column({ name: 'send_id', type: 'text', nullable: true }) sendId!: string | null;
  @Column({ name: 'timer_at', type: 'timestamptz', nullable: true }) timerAt!: Date | null;
  @Column({ name: 'timer_kind', type: 'text', nullable: true }) timerKind!: 'send' | 'expire' | null;
  @Column({ name: 'updated_at', type: 'timestamptz' }) updatedAt!: Date;
}
