import { Inject, Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { contactKeyOf } from '@lib/contact-frequency';
import { cartKey, settingsForVariant, type RecoveryLink, type SendDue, type StoreSettings } from '@lib/contracts';
import { CartClosureRepository } from '../cart-events/cart-closure.repository';
import { OptOutRepository } from '../opt-outs/opt-out.repository';
import { StoreSettingsRepository } from '../store-settings/store-settings.repository';
import type { SenderConfig } from '../config';
import { REMINDER_RENDERER, SENDER_CONFIG, STORE_OPENINGS } from '../tokens';
import { FrequencySlotRepository } from '../contacts/frequency-slot.repository';
import { limitedByMeta } from '../contacts/marketing-limit';
import { MarketingLimitRepository } from '../contacts/marketing-limit.repository';
import { categoryKey, TemplateStateRepository } from '../templates/template-state.repository';
import { decideSend, StoreOpenings, SendDecision } from './decide-send';
import type { NewMessage } from '../messages/message.repository';
import type { ReminderRenderer } from '../messages/reminder';
import { recoveryLinkFor } from '../messages/recovery-link';

/** A message as decided, with the click-tracked link its text shows (published before it goes out). */
export type PlannedMessage = NewMessage & { link?: RecoveryLink };

export interface PlanFacts {
  stores: Awaited<ReturnType<StoreSettingsRepository['ofStores']>>;
  optedOut: Awaited<ReturnType<OptOutRepository['optedOut']>>;
  closures: Awaited<ReturnType<CartClosureRepository['ofCarts']>>;
  last: Awaited<ReturnType<FrequencySlotRepository['lastMessages']>>;
  limits: Awaited<ReturnType<MarketingLimitRepository['inForce']>>;
  /** Meta's latest category of each store's template (template mode), by `categoryKey`. */
  categories: Map<string, string>;
}

/**
 * Turns send-dues into message rows ready to write: gathers the facts of the whole batch in a
 * few queries, decides each (decideSend), renders the ones to send, and takes the shoppers'
 * frequency slots inside the caller's transaction.
 */
@Injectable()
export class SendPlanner {
  constructor(
    private readonly settings: StoreSettingsRepository,
    private readonly optOuts: OptOutRepository,
    private readonly closures: CartClosureRepository,
    private readonly contacts: FrequencySlotRepository,
    private readonly marketingLimits: MarketingLimitRepository,
    private readonly templates: TemplateStateRepository,
    @Inject(STORE_OPENINGS) private readonly hours: StoreOpenings,
    @Inject(REMINDER_RENDERER) private readonly renderer: ReminderRenderer,
    @Inject(SENDER_CONFIG)
    private readonly config: Pick<SenderConfig, 'SENDER_MARKET_BLOCK_US' | 'LINK_SIGNING_KEYS'>,
  ) {}

  /**
   * The facts the decisions need, read on pooled connections of their own. Callers read them
   * before opening their transaction: a transaction waiting for a second connection holds its
   * first, and a few such batches at once take the whole pool and wait on each other until
   * the pool's connection timeout (seconds per batch).
   */
  async readFacts(sendDues: SendDue[]): Promise<PlanFacts> {
    const shoppers = sendDues.map((s) => ({ storeId: s.storeId, phone: s.customer.phone }));
    const stores = await this.settings.ofStores([...new Set(sendDues.map((s) => s.storeId))]);
    return {
      stores,
      optedOut: await this.optOuts.optedOut(shoppers),
      closures: await this.closures.ofCarts(sendDues),
      last: await this.contacts.lastMessages(shoppers),
      limits: await this.marketingLimits.inForce(shoppers, new Date()),
      categories: await this.templates.latestCategories(templatesOf(stores)),
    };
  }

  /** Decides and takes the frequency slots in `manager`'s transaction (reads the facts first). */
  async plan(sendDues: SendDue[], now: Date, manager: EntityManager): Promise<PlannedMessage[]> {
    const facts = await this.readFacts(sendDues);
    return this.takeSlots(this.decide(sendDues, now, facts), now, facts, manager);
  }

  /** Decides and renders each send-due: no database, so callers do it before their transaction. */
  decide(
    sendDues: SendDue[],
    now: Date,
    { stores, optedOut, closures, last, limits, categories }: PlanFacts,
  ): PlannedMessage[] {
    const planned: PlannedMessage[] = [];
    for (const sendDue of sendDues) {
      const store = stores.get(sendDue.storeId);
      // The shopper's A/B variant sends its own message (its text or template); unknown: the store's.
      const settings = store ? settingsForVariant(store.settings, sendDue.variant) : undefined;
      const decision = decideSend(
        {
          sendDue,
          settings,
          storePaused: store?.paused ?? false,
          optedOut: optedOut.has(sendDue.storeId, sendDue.customer.phone),
          limitedByMeta: limitedByMeta(
            limits.get(contactKeyOf({ storeId: sendDue.storeId, phone: sendDue.customer.phone })),
            now,
          ),
          closure: closures.get(cartKey(sendDue.storeId, sendDue.cartId)),
          latestCategory: settings ? (categories.get(templateKeyOf(settings)) ?? null) : null,
          lastMessage: last.get(contactKeyOf({ storeId: sendDue.storeId, phone: sendDue.customer.phone })),
          now,
        },
        this.hours,
        { blockUsMarketing: this.config.SENDER_MARKET_BLOCK_US },
      );
      planned.push(this.messageOf(sendDue, decision, now, settings));
    }
    return planned;
  }

  /**
   * Takes the shoppers' frequency slots in `manager`'s transaction: a message to send that
   * did not get its slot is skipped as frequency-capped.
   */
  async takeSlots<M extends NewMessage>(
    planned: M[],
    now: Date,
    { stores }: PlanFacts,
    manager: EntityManager,
  ): Promise<M[]> {
    const sending = planned.filter((m) => m.state === 'sending');
    const granted = await this.contacts.reserve(
      sending.map((m) => ({
        storeId: m.storeId,
        phone: m.phone,
        sendId: m.sendId,
        minHoursBetweenMessages: stores.get(m.storeId)!.settings.minHoursBetweenMessages,
      })),
      now,
      manager,
    );
    return planned.map((m) =>
      m.state === 'sending' && !granted.has(m.sendId)
        ? { ...m, state: 'skipped', reason: 'frequency-cap', renderedText: null, template: null }
        : m,
    );
  }

  private messageOf(
    sendDue: SendDue,
    decision: SendDecision,
    now: Date,
    settings: Parameters<ReminderRenderer['render']>[1] | undefined,
  ): PlannedMessage {
    const base: NewMessage = {
      sendId: sendDue.sendId,
      storeId: sendDue.storeId,
      cartId: sendDue.cartId,
      phone: sendDue.customer.phone,
      phoneNumberId: settings?.whatsapp.phoneNumberId ?? null,
      state: 'skipped',
      reason: null,
      locale: null,
      renderedText: null,
      template: null,
      sendDue,
      deferredUntil: null,
      at: now,
    };
    switch (decision.action) {
      case 'skip':
        return { ...base, reason: decision.reason };
      case 'expire':
        return { ...base, state: 'expired', reason: decision.reason };
      case 'defer':
        return { ...base, state: 'deferred', reason: decision.reason, deferredUntil: decision.until };
      case 'send':
        try {
          const link = recoveryLinkFor(sendDue, settings!, this.config.LINK_SIGNING_KEYS, now);
          const rendered = this.renderer.render(sendDue, settings!, link?.tracked);
          return {
            ...base,
            state: 'sending',
            locale: rendered.locale,
            renderedText: rendered.text,
            template: rendered.template ?? null,
            link: link?.record,
          };
        } catch (error) {
          // A template the store cannot render will not render on a retry either.
          return {
            ...base,
            state: 'failed',
            reason: `render-error: ${String((error as Error).message).slice(0, 150)}`,
          };
        }
    }
  }
}

/** The (phone number id, template name) of each store in template mode, its variants' too, for `latestCategories`. */
function templatesOf(stores: PlanFacts['stores']): Array<{ phoneNumberId: string; templateName: string }> {
  const keys: Array<{ phoneNumberId: string; templateName: string }> = [];
  for (const { settings } of stores.values()) {
    const { mode, phoneNumberId, templateName } = settings.whatsapp;
    if (mode !== 'template') continue;
    const names = [templateName, ...(settings.experiments?.variants ?? []).map((v) => v.templateName)];
    for (const name of new Set(names)) if (name) keys.push({ phoneNumberId, templateName: name });
  }
  return keys;
}

function templateKeyOf(settings: StoreSettings): string {
  return categoryKey(settings.whatsapp.phoneNumberId, settings.whatsapp.templateName ?? '');
}
