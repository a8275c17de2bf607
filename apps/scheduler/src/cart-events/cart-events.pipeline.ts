import { Inject, Injectable } from '@nestjs/common';
import { CartEvent, cartEventContract, shopperKey, StoreSettings } from '@lib/contracts';
import { latestConsents, withdrawsConsent } from '@lib/consent';
import { BatchResult, ConsumedRecord, DeadLetter } from '@lib/kafka';
import { ConsentRecordRepository } from '../contacts/consent-record.repository';
import { ContactHoldRepository } from '../contacts/contact-hold.repository';
import type { SchedulerConfig } from '../config';
import { ErasureRepository } from '../erasure/erasure.repository';
import { planningSettingsFor } from '../experiments/variants';
import { StoreSettingsRepository } from '../store-settings/store-settings.repository';
import { TimerWakeups } from '../timers/timer-wakeups';
import { PLAN_SEND, SCHEDULER_CONFIG } from '../tokens';
import { PlanSend, timerOf } from './abandonment';
import { CartFacts, mergeCartEvent, orderOf, reachablePhone } from './cart-facts';
import { CartRepository, cartKeyOf, StoredCart } from './cart.repository';
import { applyCartEvents, newCart } from './cart-state';
import { SchedulerMetrics } from '../scheduler.metrics';
import { planningFingerprint } from '../store-settings/planning-fingerprint';
import { CartReplanner } from './cart-replanner';
import { writeCarts } from './cart-writes';

/**
 * consume `cart-events` → keep the shoppers' consent evidence (a withdrawal is an opt-out) →
 * merge each cart's events into its facts and re-plan its abandonment (pure:
 * `applyCartEvents`) → write carts and their timers → wake the timer loops. Bad records go to
 * `cart-events-dlq`.
 */
@Injectable()
export class CartEventsPipeline {
  constructor(
    private readonly carts: CartRepository,
    private readonly settings: StoreSettingsRepository,
    private readonly contacts: ContactHoldRepository,
    private readonly consents: ConsentRecordRepository,
    private readonly wakeups: TimerWakeups,
    private readonly metrics: SchedulerMetrics,
    private readonly replanner: CartReplanner,
    private readonly erasures: ErasureRepository,
    @Inject(PLAN_SEND) private readonly planSend: PlanSend,
    @Inject(SCHEDULER_CONFIG) private readonly config: SchedulerConfig,
  ) {}

  async handle(records: ConsumedRecord[]): Promise<BatchResult> {
    const deadLetters: DeadLetter[] = [];
    const byCart = new Map<string, { storeId: string; cartId: string; events: CartEvent[] }>();
    const events: CartEvent[] = [];
    for (const record of records) {
      const decoded = cartEventContract.decode(record.value);
      if (!decoded.ok) deadLetters.push({ record, reason: decoded.reason, error: decoded.error });
      else events.push(decoded.value);
    }
    for (const e of await this.withoutErasedShoppers(events)) {
      const key = cartKeyOf(e.storeId, e.cartId);
      let group = byCart.get(key);
      if (!group) byCart.set(key, (group = { storeId: e.storeId, cartId: e.cartId, events: [] }));
      group.events.push(e);
    }
    if (byCart.size === 0) return { deadLetters };

    const settings = await this.settings.ofStores([...new Set([...byCart.values()].map((g) => g.storeId))]);
    // Before the carts are planned, so this batch's carts of a shopper who withdrew are not.
    const withdrawn = await this.recordConsents([...byCart.values()].flatMap((g) => g.events));
    const landed = await writeCarts(
      this.carts,
      [...byCart.values()],
      (groups, stored) => this.decide(groups, stored, settings),
      'under this batch',
    );
    let soonest: number | null = null;
    const converted: Array<{ storeId: string; cartId: string; at: number }> = [];
    for (const { write: w, before } of landed) {
      const order = orderOf(w.state.facts);
      if (order && !(before && orderOf(before.state.facts)))
        converted.push({ storeId: w.state.storeId, cartId: w.state.cartId, at: order.at });
      const timer = timerOf(w.state.episode);
      if (timer && (soonest === null || timer.at < soonest)) soonest = timer.at;
    }
    this.metrics.cartEvents.inc(
      { result: 'accepted' },
      [...byCart.values()].reduce((n, g) => n + g.events.length, 0),
    );
    this.metrics.cartsWritten.inc(landed.length);
    // A conversion merged before its message's outcome reached the scheduler is not counted
    // here (the stats API, which compares the times, counts it).
    if (converted.length) this.metrics.recovered.inc(await this.carts.countRecovered(converted));
    await this.wakeups.scheduled(soonest);
    // The shopper's other open carts, planned before the withdrawal: skipped now.
    for (const w of withdrawn) await this.replanner.replanPhone(w.storeId, w.phone, settings.get(w.storeId));
    await this.catchUpWithSettings(settings, [...byCart.values()]);
    return { deadLetters };
  }

  /**
   * Drops the events of erased shoppers that happened before their erasure and were still on
   * the topic (erasure/erasure-rule.ts): they must not bring the erased data back.
   */
  private async withoutErasedShoppers(events: CartEvent[]): Promise<CartEvent[]> {
    const key = this.config.ERASURE_HASH_KEY;
    if (!key) return events;
    const kept = await this.erasures.withoutErased(events, key, (e) => ({
      storeId: e.storeId,
      phone: e.customer?.phone,
      at: Date.parse(e.occurredAt),
    }));
    if (kept.length < events.length) this.metrics.cartEvents.inc({ result: 'erased' }, events.length - kept.length);
    return kept;
  }

  /** Keeps each shopper's latest consent record; a withdrawal kept is an opt-out from then on. */
  private async recordConsents(events: CartEvent[]): Promise<Array<{ storeId: string; phone: string }>> {
    const kept = await this.consents.record([...latestConsents(events).values()]);
    const withdrawn = kept.filter(withdrawsConsent);
    for (const w of withdrawn) await this.contacts.optOut(w.storeId, w.phone, w.at.toISOString());
    return withdrawn;
  }

  /**
   * Settings that changed while this batch was being decided were re-planned by the settings
   * pipeline, which may have read these carts before they were written: plan them again with
   * what is stored now (one cheap query when nothing changed).
   */
  private async catchUpWithSettings(
    used: Map<string, StoreSettings>,
    groups: Array<{ storeId: string; cartId: string }>,
  ): Promise<void> {
    const stores = [...new Set(groups.map((g) => g.storeId))];
    const now = await this.settings.ofStores(stores);
    const moved = new Set(stores.filter((s) => planningFingerprint(used.get(s)) !== planningFingerprint(now.get(s))));
    if (moved.size === 0) return;
    await this.replanner.replanCarts(
      groups.filter((g) => moved.has(g.storeId)),
      (storeId) => now.get(storeId),
    );
  }

  private async decide(
    groups: Array<{ storeId: string; cartId: string; events: CartEvent[] }>,
    stored: Map<string, StoredCart>,
    settings: Map<string, StoreSettings>,
  ): Promise<StoredCart[]> {
    // The opt-out of each cart's phone, looked up once for the batch.
    const phones: Array<{ storeId: string; phone: string }> = [];
    for (const g of groups) {
      const before = stored.get(cartKeyOf(g.storeId, g.cartId))?.state.facts ?? { seen: [] };
      const phone = reachablePhone(g.events.reduce(mergeCartEvent, before));
      if (phone) phones.push({ storeId: g.storeId, phone });
    }
    const optedOut = await this.contacts.optedOut(phones);

    const writes: StoredCart[] = [];
    for (const g of groups) {
      const current = stored.get(cartKeyOf(g.storeId, g.cartId));
      const state = current?.state ?? newCart(g.storeId, g.cartId);
      const ctxFor = (facts: CartFacts) => {
        const phone = reachablePhone(facts);
        return {
          // The shopper's A/B variant may plan another delay (experiments/variants.ts).
          settings: planningSettingsFor(
            this.config.EXPERIMENT_ASSIGNMENT_KEY,
            settings.get(g.storeId),
            g.storeId,
            phone,
          ),
          optedOut: phone !== null && optedOut.has(shopperKey(g.storeId, phone)),
          planSend: this.planSend,
        };
      };
      const next = applyCartEvents(state, g.events, ctxFor);
      if (next.changed) writes.push({ state: next.state, version: (current?.version ?? 0) + 1 });
    }
    return writes;
  }
}
