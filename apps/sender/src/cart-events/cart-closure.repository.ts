import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { cartKey } from '@lib/contracts';
import type { CartClosure } from './cart-closure';

/** The newest conversion or emptying per cart, read from cart-events. */
@Injectable()
export class CartClosureRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** Keeps the newest closure of each cart; older or repeated events change nothing. */
  async record(closures: CartClosure[]): Promise<void> {
    if (closures.length === 0) return;
    await this.dataSource.query(
      `INSERT INTO cart_closures AS c (store_id, cart_id, kind, occurred_at)
       SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::timestamptz[])
       ON CONFLICT (store_id, cart_id) DO UPDATE SET kind = EXCLUDED.kind, occurred_at = EXCLUDED.occurred_at
       WHERE EXCLUDED.occurred_at > c.occurred_at`,
      [
        closures.map((c) => c.storeId),
        closures.map((c) => c.cartId),
        closures.map((c) => c.kind),
        closures.map((c) => c.occurredAt.toISOString()),
      ],
    );
  }

  async ofCarts(
    carts: Array<{ storeId: string; cartId: string }>,
  ): Promise<Map<string, { kind: CartClosure['kind']; occurredAt: Date }>> {
    if (carts.length === 0) return new Map();
    const rows: Array<{ store_id: string; cart_id: string; kind: CartClosure['kind']; occurred_at: Date }> =
      await this.dataSource.query(
        `SELECT c.store_id, c.cart_id, c.kind, c.occurred_at FROM cart_closures c
         JOIN unnest($1::text[], $2::text[]) AS k(store_id, cart_id) USING (store_id, cart_id)`,
        [carts.map((c) => c.storeId), carts.map((c) => c.cartId)],
      );
    return new Map(rows.map((r) => [cartKey(r.store_id, r.cart_id), { kind: r.kind, occurredAt: r.occurred_at }]));
  }
}
