import { Inject, Injectable } from '@nestjs/common';
import { shopperKey, type StoreSettings } from '@lib/contracts';
import { ContactHoldRepository } from '../contacts/contact-hold.repository';
import { SchedulerMetrics } from '../scheduler.metrics';
import { TimerWakeups } from '../timers/timer-wakeups';
import type { SchedulerConfig } from '../config';
import { planningSettingsFor } from '../experiments/variants';
import { PLAN_SEND, SCHEDULER_CONFIG } from '../tokens';
import { PlanSend, REPLANNED_STATUSES, timerOf } from './abandonment';
import { reachablePhone } from './cart-facts';
import { CartRepository, cartKeyOf, StoredCart } from './cart.repository';
import { replanCart } from './cart-state';
import { CartRef, writeCarts } from './cart-writes';

const PAGE = 1000;

/**
 * Plans open carts again when what their plan depends on changed: the store's settings (new
 * hours, delays, enabled:false, deleted) or a shopper's opt-out. Closed episodes are never
 * touched: a message already emitted stays emitted.
 */
@Injectable()
export class CartReplanner {
  constructor(
    private readonly carts: CartRepository,
    private readonly contacts: ContactHoldRepository,
    private readonly wakeups: TimerWakeups,
    private readonly metrics: SchedulerMetrics,
    @Inject(PLAN_SEND) private readonly planSend: PlanSend,
    @Inject(SCHEDULER_CONFIG) private readonly config: Pick<SchedulerConfig, 'EXPERIMENT_ASSIGNMENT_KEY'>,
  ) {}

  /** Every cart of the store not yet due, a page at a time (`between` keeps the group alive). */
  async replanStore(
    storeId: string,
    settings: StoreSettings | undefined,
    between: () => Promise<void> = async () => undefined,
  ): Promise<number> {
    let after = '';
    let changed = 0;
    for (;;) {
      const page = await this.carts.pageOfStore(storeId, REPLANNED_STATUSES, after, PAGE);
      if (page.length === 0) return changed;
      changed += await this.replan(page, () => settings, 'settings');
      after = page[page.length - 1].state.cartId;
      await between();
    }
  }

  /** These carts, with the settings given per store. */
  async replanCarts(
    keys: Array<{ storeId: string; cartId: string }>,
    settingsOf: (storeId: string) => StoreSettings | undefined,
  ): Promise<number> {
    return this.replan([...(await this.carts.load(keys)).values()], settingsOf, 'settings');
  }

  /** Every open cart of a shopper who opted out of the store. */
  async replanPhone(storeId: string, phone: string, settings: StoreSettings | undefined): Promise<number> {
    return this.replan(await this.carts.ofPhone(storeId, phone), () => settings, 'opt-out');
  }

  private async replan(
    carts: StoredCart[],
    settingsOf: (storeId: string) => StoreSettings | undefined,
    cause: string,
  ): Promise<number> {
    const decide = async (_refs: CartRef[], stored: Map<string, StoredCart>): Promise<StoredCart[]> => {
      const current = [...stored.values()];
      const pairs = current.flatMap((c) => {
        const phone = reachablePhone(c.state.facts);
        return phone ? [{ storeId: c.state.storeId, phone }] : [];
      });
      const optedOut = await this.contacts.optedOut(pairs);
      const writes: StoredCart[] = [];
      for (const c of current) {
        const phone = reachablePhone(c.state.facts);
        const next = replanCart(c.state, {
          settings: planningSettingsFor(
            this.config.EXPERIMENT_ASSIGNMENT_KEY,
            settingsOf(c.state.storeId),
            c.state.storeId,
            phone,
          ),
          optedOut: phone !== null && optedOut.has(shopperKey(c.state.storeId, phone)),
          planSend: this.planSend,
        });
        if (next.changed) writes.push({ state: next.state, version: c.version + 1 });
      }
      return writes;
    };
    const refs = carts.map((c) => ({ storeId: c.state.storeId, cartId: c.state.cartId }));
    const held = new Map(carts.map((c) => [cartKeyOf(c.state.storeId, c.state.cartId), c]));
    const landed = await writeCarts(this.carts, refs, decide, 'while re-planning', held);
    let soonest: number | null = null;
    for (const { write } of landed) {
      const timer = timerOf(write.state.episode);
      if (timer && (soonest === null || timer.at < soonest)) soonest = timer.at;
    }
    const changed = landed.length;
    this.metrics.replanned.inc({ cause }, changed);
    await this.wakeups.scheduled(soonest);
    return changed;
  }
}
