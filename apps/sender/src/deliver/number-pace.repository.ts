import type { DataSource } from 'typeorm';
import type { PaceStore } from '../whatsapp/shared-pace';

/**
 * The shared pace of each phone number (`number_pace`), the `PaceStore` of the process's
 * throughput limiter. One statement reserves `count` consecutive slots after every slot any
 * instance reserved before, and not before the database's now: the row lock of the upsert
 * orders concurrent reservations, and every time is the database's (`clock_timestamp()`, read
 * once the row is locked), so instance clocks do not matter.
 */
export class NumberPaceRepository implements PaceStore {
  constructor(private readonly dataSource: DataSource) {}

  async reserve(phoneNumberId: string, count: number, spacingMicros: number): Promise<{ firstInMs: number }> {
    const rows: Array<{ first_in_ms: number }> = await this.dataSource.query(
      `INSERT INTO number_pace AS p (phone_number_id, next_slot_at)
       VALUES ($1, clock_timestamp() + $2 * interval '1 microsecond')
       ON CONFLICT (phone_number_id) DO UPDATE
         SET next_slot_at = GREATEST(p.next_slot_at, clock_timestamp()) + $2 * interval '1 microsecond'
       RETURNING (extract(epoch FROM (p.next_slot_at - $2 * interval '1 microsecond' - clock_timestamp())) * 1000)::float8
         AS first_in_ms`,
      [phoneNumberId, count * spacingMicros],
    );
    return { firstInMs: Number(rows[0].first_in_ms) };
  }
}
