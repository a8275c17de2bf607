import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { ErasingService } from '@lib/contracts';
import type { ErasureRecord } from './erasure-request';

interface Row {
  id: string;
  store_id: string | null;
  requested_at: Date;
  ingest_completed_at: Date | null;
  scheduler_completed_at: Date | null;
  sender_completed_at: Date | null;
}

const COMPLETED_COLUMN: Record<ErasingService, string> = {
  ingest: 'ingest_completed_at',
  scheduler: 'scheduler_completed_at',
  sender: 'sender_completed_at',
};

/** ingest's record of the erasure requests: the phone's keyed hash only, and each service's completion. */
@Injectable()
export class ErasureRequestRepository {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * Records a request and runs `publish` before the commit: a request Kafka did not
   * acknowledge is not kept (the caller retries). ingest's own tables hold nothing of a
   * shopper but this hash, so its part is done when the request is kept.
   */
  async accept(
    request: { id: string; phoneHash: string; storeId: string | null; requestedAt: Date },
    publish: () => Promise<void>,
  ): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      await manager.query(
        `INSERT INTO erasure_requests (id, phone_hash, store_id, requested_at, ingest_completed_at)
         VALUES ($1, $2, $3, $4, $4)`,
        [request.id, request.phoneHash, request.storeId, request.requestedAt],
      );
      await publish();
    });
  }

  async get(id: string): Promise<ErasureRecord | undefined> {
    const rows: Row[] = await this.dataSource.query('SELECT * FROM erasure_requests WHERE id = $1', [id]);
    return rows[0] ? recordOf(rows[0]) : undefined;
  }

  /** The requests for a phone (by its hash), at `storeId` or at every store, oldest first: for its access request. */
  async forPhone(phoneHash: string, storeId: string | null): Promise<ErasureRecord[]> {
    const rows: Row[] = await this.dataSource.query(
      `SELECT * FROM erasure_requests WHERE phone_hash = $1 AND ($2::text IS NULL OR store_id = $2 OR store_id IS NULL)
       ORDER BY requested_at, id`,
      [phoneHash, storeId],
    );
    return rows.map(recordOf);
  }

  /**
   * A service's completion; the first one reported stays (a redelivered completion changes
   * nothing). Answers the completions whose request is not (yet) here.
   */
  async complete<C extends { id: string; service: ErasingService; completedAt: Date }>(completions: C[]): Promise<C[]> {
    const unknown: C[] = [];
    for (const c of completions) {
      const column = COMPLETED_COLUMN[c.service];
      const [, count]: [unknown, number] = await this.dataSource.query(
        `UPDATE erasure_requests SET ${column} = COALESCE(${column}, $2) WHERE id = $1`,
        [c.id, c.completedAt],
      );
      if (count === 0) unknown.push(c);
    }
    return unknown;
  }
}

function recordOf(row: Row): ErasureRecord {
  return {
    id: row.id,
    storeId: row.store_id,
    requestedAt: row.requested_at,
    completedAt: {
      ingest: row.ingest_completed_at,
      scheduler: row.scheduler_completed_at,
      sender: row.sender_completed_at,
    },
  };
}
