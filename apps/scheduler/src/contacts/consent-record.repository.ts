import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { replacesConsent, type ConsentRecord } from '@lib/consent';
import { shopperKey, type ShopperKey } from '@lib/contracts';

interface ConsentRow {
  store_id: string;
  phone: string;
  channel: ConsentRecord['channel'];
  state: ConsentRecord['state'];
  source: string;
  consented_at: Date;
  collected_from: string | null;
  opt_in_level: string | null;
  wording: string | null;
  wording_version: string | null;
  event_id: string;
}

const COLUMNS = `store_id, phone, channel, state, source, consented_at, collected_from, opt_in_level, wording, wording_version, event_id`;

/**
 * The consent evidence of the store's shoppers (`consent_records`, one row per store and
 * phone). Which record is kept is @lib/consent's rule; this persists what it decides.
 */
@Injectable()
export class ConsentRecordRepository {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * Keeps each record that replaces the shopper's stored one, in one transaction with the
   * shoppers' rows locked (two instances recording for one shopper take turns); a record
   * carried again refreshes its row's last_seen_at. Returns the records now kept (the ones
   * that changed something).
   */
  async record(records: ConsentRecord[]): Promise<ConsentRecord[]> {
    if (records.length === 0) return [];
    return this.dataSource.transaction(async (manager) => {
      // A shopper without a row gets this record; the others are read, locked, and decided.
      const inserted: Array<{ store_id: string; phone: string }> = await manager.query(
        `INSERT INTO consent_records (${COLUMNS})
         SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::timestamptz[],
                              $7::text[], $8::text[], $9::text[], $10::text[], $11::text[])
         ON CONFLICT (store_id, phone) DO NOTHING
         RETURNING store_id, phone`,
        columnsOf(records),
      );
      const fresh = new Set(inserted.map((r) => shopperKey(r.store_id, r.phone)));
      const others = records.filter((r) => !fresh.has(shopperKey(r.storeId, r.phone)));
      const stored = await this.lock(others, manager);
      const replacing = others.filter((r) => replacesConsent(stored.get(shopperKey(r.storeId, r.phone)), r));
      if (replacing.length > 0) {
        await manager.query(
          `UPDATE consent_records AS c
           SET channel = k.channel, state = k.state, source = k.source, consented_at = k.consented_at,
               collected_from = k.collected_from, opt_in_level = k.opt_in_level, wording = k.wording,
               wording_version = k.wording_version, event_id = k.event_id, last_seen_at = now()
           FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::timestamptz[],
                       $7::text[], $8::text[], $9::text[], $10::text[], $11::text[])
                AS k(${COLUMNS})
           WHERE c.store_id = k.store_id AND c.phone = k.phone`,
          columnsOf(replacing),
        );
      }
      // Evidence carried again keeps its record alive for the retention purge.
      const replaced = new Set(replacing);
      const seenAgain = others.filter((r) => !replaced.has(r) && stored.has(shopperKey(r.storeId, r.phone)));
      if (seenAgain.length > 0) {
        await manager.query(
          `UPDATE consent_records AS c SET last_seen_at = now()
           FROM unnest($1::text[], $2::text[]) AS k(store_id, phone)
           WHERE c.store_id = k.store_id AND c.phone = k.phone`,
          [seenAgain.map((r) => r.storeId), seenAgain.map((r) => r.phone)],
        );
      }
      return [...records.filter((r) => fresh.has(shopperKey(r.storeId, r.phone))), ...replacing];
    });
  }

  /** The kept record of each of these shoppers that has one. */
  async of(pairs: Array<{ storeId: string; phone: string }>): Promise<Map<ShopperKey, ConsentRecord>> {
    return this.lock(pairs, this.dataSource.manager, false);
  }

  private async lock(
    pairs: Array<{ storeId: string; phone: string }>,
    manager: EntityManager,
    forUpdate = true,
  ): Promise<Map<ShopperKey, ConsentRecord>> {
    const kept = new Map<ShopperKey, ConsentRecord>();
    if (pairs.length === 0) return kept;
    const rows: ConsentRow[] = await manager.query(
      `SELECT c.* FROM consent_records c
       JOIN unnest($1::text[], $2::text[]) AS k(store_id, phone) USING (store_id, phone)
       ORDER BY c.store_id, c.phone ${forUpdate ? 'FOR UPDATE OF c' : ''}`,
      [pairs.map((p) => p.storeId), pairs.map((p) => p.phone)],
    );
    for (const r of rows) kept.set(shopperKey(r.store_id, r.phone), recordOf(r));
    return kept;
  }
}

function columnsOf(records: ConsentRecord[]): unknown[] {
  return [
    records.map((r) => r.storeId),
    records.map((r) => r.phone),
    records.map((r) => r.channel),
    records.map((r) => r.state),
    records.map((r) => r.source),
    records.map((r) => r.at.toISOString()),
    records.map((r) => r.collectedFrom),
    records.map((r) => r.optInLevel),
    records.map((r) => r.wording),
    records.map((r) => r.wordingVersion),
    records.map((r) => r.eventId),
  ];
}

function recordOf(r: ConsentRow): ConsentRecord {
  return {
    storeId: r.store_id,
    phone: r.phone,
    channel: r.channel,
    state: r.state,
    source: r.source,
    at: new Date(r.consented_at),
    collectedFrom: r.collected_from,
    optInLevel: r.opt_in_level,
    wording: r.wording,
    wordingVersion: r.wording_version,
    eventId: r.event_id,
  };
}
