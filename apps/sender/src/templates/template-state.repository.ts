import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import {
  applyTemplateNotice,
  normalLanguage,
  templateKeyOf,
  type BusinessNumberSeen,
  type TemplateNotice,
  type TemplateState,
} from './template-state';

interface TemplateRow {
  waba_id: string;
  name: string;
  language: string;
  template_id: string | null;
  status: string | null;
  status_reason: string | null;
  status_at: Date | null;
  category: string | null;
  category_at: Date | null;
  impending_category: string | null;
  impending_at: Date | null;
}

/** The key of `latestCategories`' answer. */
export const categoryKey = (phoneNumberId: string, templateName: string) => `${phoneNumberId}\u0000${templateName}`;

const iso = (d: Date | null) => (d ? new Date(d).toISOString() : null);

const stateOf = (r: TemplateRow): TemplateState => ({
  wabaId: r.waba_id,
  name: r.name,
  language: r.language,
  templateId: r.template_id,
  status: r.status,
  statusReason: r.status_reason,
  statusAt: iso(r.status_at),
  category: r.category,
  categoryAt: iso(r.category_at),
  impendingCategory: r.impending_category,
  impendingAt: iso(r.impending_at),
});

/** A template that started or stopped holding sends, and the stores sending it. */
export interface TemplateTurn {
  state: TemplateState;
  paused: boolean;
  resumed: boolean;
  stores: string[];
}

/**
 * Each template's latest status and category as Meta's template webhooks said (the rule is
 * template-state.ts), and which business account each phone number belongs to, so a template
 * webhook (which names the account, not a number) finds its stores.
 */
@Injectable()
export class TemplateStateRepository {
  /** Phone number ids whose account is recorded already: most webhooks then write nothing. */
  private readonly knownNumbers = new Map<string, string>();

  constructor(private readonly dataSource: DataSource) {}

  async learnNumbers(numbers: BusinessNumberSeen[]): Promise<void> {
    const fresh = new Map(
      numbers.filter((n) => this.knownNumbers.get(n.phoneNumberId) !== n.wabaId).map((n) => [n.phoneNumberId, n]),
    );
    if (fresh.size === 0) return;
    const list = [...fresh.values()];
    await this.dataSource.query(
      `INSERT INTO business_numbers AS b (phone_number_id, waba_id)
       SELECT * FROM unnest($1::text[], $2::text[])
       ON CONFLICT (phone_number_id) DO UPDATE SET waba_id = EXCLUDED.waba_id, seen_at = now()`,
      [list.map((n) => n.phoneNumberId), list.map((n) => n.wabaId)],
    );
    if (this.knownNumbers.size > 100_000) this.knownNumbers.clear();
    for (const n of list) this.knownNumbers.set(n.phoneNumberId, n.wabaId);
  }

  /** Applies the notices in order, one transaction; returns the templates that paused or resumed. */
  async apply(notices: TemplateNotice[]): Promise<TemplateTurn[]> {
    if (notices.length === 0) return [];
    return this.dataSource.transaction(async (manager) => {
      const states = new Map<string, TemplateState>();
      const turns = new Map<string, { paused: boolean; resumed: boolean }>();
      for (const notice of notices) {
        const key = templateKeyOf(notice);
        const current = states.get(key) ?? (await this.lockOne(notice, manager));
        const applied = applyTemplateNotice(current, notice);
        states.set(key, applied.next);
        if (!applied.changed) continue;
        await this.write(applied.next, manager);
        const turn = turns.get(key) ?? { paused: false, resumed: false };
        // Paused then approved within one POST: it ends sendable, as the last notice says.
        turns.set(key, { paused: applied.paused || (turn.paused && !applied.resumed), resumed: applied.resumed });
      }
      const result: TemplateTurn[] = [];
      for (const [key, turn] of turns) {
        if (!turn.paused && !turn.resumed) continue;
        const state = states.get(key)!;
        result.push({ state, ...turn, stores: await this.storesSending(state, manager) });
      }
      return result;
    });
  }

  /** The latest category of a store's template as Meta last said (null: no webhook about it yet). */
  async latestCategory(phoneNumberId: string, templateName: string): Promise<string | null> {
    return (
      (await this.latestCategories([{ phoneNumberId, templateName }])).get(categoryKey(phoneNumberId, templateName)) ??
      null
    );
  }

  /** `latestCategory` of each (phone number id, template name), one query for a batch (keyed by `categoryKey`). */
  async latestCategories(keys: Array<{ phoneNumberId: string; templateName: string }>): Promise<Map<string, string>> {
    if (keys.length === 0) return new Map();
    const rows: Array<{ phone_number_id: string; name: string; category: string }> = await this.dataSource.query(
      `SELECT DISTINCT ON (b.phone_number_id, t.name) b.phone_number_id, t.name, t.category
       FROM unnest($1::text[], $2::text[]) AS k(phone_number_id, name)
       JOIN business_numbers b ON b.phone_number_id = k.phone_number_id
       JOIN whatsapp_templates t ON t.waba_id = b.waba_id AND t.name = k.name
       WHERE t.category IS NOT NULL
       ORDER BY b.phone_number_id, t.name, t.category_at DESC NULLS LAST`,
      [keys.map((k) => k.phoneNumberId), keys.map((k) => k.templateName)],
    );
    return new Map(rows.map((r) => [categoryKey(r.phone_number_id, r.name), r.category]));
  }

  async byName(wabaId: string, name: string): Promise<TemplateState[]> {
    const rows: TemplateRow[] = await this.dataSource.query(
      `SELECT * FROM whatsapp_templates WHERE waba_id = $1 AND name = $2 ORDER BY language`,
      [wabaId, name],
    );
    return rows.map(stateOf);
  }

  /** How many templates hold sends now (the gauge the alert reads). */
  async holdingCount(): Promise<number> {
    const [row]: Array<{ n: string }> = await this.dataSource.query(
      `SELECT count(*) AS n FROM whatsapp_templates WHERE status IN ('PAUSED', 'DISABLED')`,
    );
    return Number(row?.n ?? 0);
  }

  private async lockOne(notice: TemplateNotice, manager: EntityManager): Promise<TemplateState | undefined> {
    const [row]: TemplateRow[] = await manager.query(
      `SELECT * FROM whatsapp_templates WHERE waba_id = $1 AND name = $2 AND language = $3 FOR UPDATE`,
      [notice.wabaId, notice.name, normalLanguage(notice.language)],
    );
    return row ? stateOf(row) : undefined;
  }

  private async write(s: TemplateState, manager: EntityManager): Promise<void> {
    await manager.query(
      `INSERT INTO whatsapp_templates AS t (waba_id, name, language, template_id, status, status_reason, status_at,
                                            category, category_at, impending_category, impending_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, now())
       ON CONFLICT (waba_id, name, language) DO UPDATE SET template_id = EXCLUDED.template_id,
         status = EXCLUDED.status, status_reason = EXCLUDED.status_reason, status_at = EXCLUDED.status_at,
         category = EXCLUDED.category, category_at = EXCLUDED.category_at,
         impending_category = EXCLUDED.impending_category, impending_at = EXCLUDED.impending_at, updated_at = now()`,
      [
        s.wabaId,
        s.name,
        s.language,
        s.templateId,
        s.status,
        s.statusReason,
        s.statusAt,
        s.category,
        s.categoryAt,
        s.impendingCategory,
        s.impendingAt,
      ],
    );
  }

  /** Stores in template mode sending this template from a number of its business account. */
  private async storesSending(state: TemplateState, manager: EntityManager): Promise<string[]> {
    const rows: Array<{ store_id: string }> = await manager.query(
      `SELECT s.store_id FROM store_settings s
       JOIN business_numbers b ON b.phone_number_id = s.settings->'whatsapp'->>'phoneNumberId'
       WHERE b.waba_id = $1 AND s.settings->'whatsapp'->>'templateName' = $2
         AND s.settings->'whatsapp'->>'mode' = 'template'
       ORDER BY s.store_id`,
      [state.wabaId, state.name],
    );
    return rows.map((r) => r.store_id);
  }
}
