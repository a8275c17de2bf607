import { Inject, Injectable } from '@nestjs/common';
import { shopperKey, type StoreSettings } from '@lib/contracts';
import { TransientError } from '@lib/kafka';
import { ContactRepository } from '../message-outcomes/contact.repository';
import { SchedulerMetrics } from '../scheduler.metrics';
import { TimerWakeups } from '../timers/timer-wakeups';
import { PLAN_SEND } from '../tokens';
import { PlanSend, REPLANNED_STATUSES, timerOf } from './abandonment';
import { reachablePhone } from './cart-facts';
import { CartRepository, cartKeyOf, StoredCart } from './cart.repository';
import { replanCart } from './cart-state';

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
    private readonly contacts: ContactRepository,
    private readonly wakeups: TimerWakeups,
    private readonly metrics: SchedulerMetrics,
    @Inject(PLAN_SEND) private readonly planSend: PlanSend,
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
    let current = carts;
    let changed = 0;
    let soonest: number | null = null;
    for (let round = 1; current.length > 0; round++) {
      if (round > 5) throw new TransientError(`carts kept changing while re-planning: ${current.length} left`);
      const pairs = current.flatMap((c) => {
        const phone = reachablePhone(c.state.facts);
        return phone ? [{ storeId: c.state.storeId, phone }] : [];
      });
      const optedOut = await this.contacts.optedOut(pairs);
      const writes: StoredCart[] = [];
      for (const c of current) {
        const phone = reachablePhone(c.state.facts);
        const next = replanCart(c.state, {
          settings: settingsOf(c.state.storeId),
          optedOut: phone !== null && optedOut.has(shopperKey(c.state.storeId, phone)),
          planSend: this.planSend,
        });
        if (next.changed) writes.push({ state: next.state, version: c.version + 1 });
      }
      const conflicts = await this.carts.save(writes);
      for (const w of writes) {
        if (conflicts.has(cartKeyOf(w.state.storeId, w.state.cartId))) continue;
        changed++;
        const timer = timerOf(w.state.episode);
        if (timer && (soonest === null || timer.at < soonest)) soonest = timer.at;
      }
      current = conflicts.size === 0 ? [] : [...(await this.carts.load(keysOf(conflicts))).values()];
    }
    this.metrics.replanned.inc({ cause }, changed);
    await this.wakeups.scheduled(soonest);
    return changed;
  }
}

function keysOf(keys: Set<string>) {
  return [...keys].map((k) => {
    const [storeId, cartId] = k.split('\u0000');
    return { storeId, cartId };
  });
}
