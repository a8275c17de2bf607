import { Inject, Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import type { SendDue } from '@lib/contracts';
import { CartClosureRepository } from '../cart-events/cart-closure.repository';
import { OptOutRepository } from '../opt-outs/opt-out.repository';
import { StoreSettingsRepository } from '../store-settings/store-settings.repository';
import { MESSAGE_RENDERER, OPENING_HOURS } from '../tokens';
import { ContactRepository } from './contact.repository';
import { decideSend, OpeningHours, SendDecision } from './decide-send';
import type { NewMessage } from './message.repository';
import type { MessageRenderer } from './rendering';

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
    private readonly contacts: ContactRepository,
    @Inject(OPENING_HOURS) private readonly hours: OpeningHours,
    @Inject(MESSAGE_RENDERER) private readonly renderer: MessageRenderer,
  ) {}

  async plan(sendDues: SendDue[], now: Date, manager: EntityManager): Promise<NewMessage[]> {
    const stores = await this.settings.ofStores([...new Set(sendDues.map((s) => s.storeId))]);
    const shoppers = sendDues.map((s) => ({ storeId: s.storeId, phone: s.customer.phone }));
    const optedOut = await this.optOuts.optedOut(shoppers);
    const closures = await this.closures.ofCarts(sendDues);
    const last = await this.contacts.lastMessages(shoppers);

    const planned: NewMessage[] = [];
    for (const sendDue of sendDues) {
      const store = stores.get(sendDue.storeId);
      const previous = last.get(`${sendDue.storeId}\u0000${sendDue.customer.phone}`);
      const decision = decideSend(
        {
          sendDue,
          settings: store?.settings,
          storePaused: store?.paused ?? false,
          optedOut: optedOut.has(sendDue.storeId, sendDue.customer.phone),
          closure: closures.get(`${sendDue.storeId}:${sendDue.cartId}`),
          lastMessageAt: previous && previous.sendId !== sendDue.sendId ? previous.at : undefined,
          now,
        },
        this.hours,
      );
      planned.push(this.messageOf(sendDue, decision, now, store?.settings));
    }

    const sending = planned.filter((m) => m.state === 'sending');
    const granted = await this.contacts.reserve(
      sending.map((m) => ({
        storeId: m.storeId,
        phone: m.phone,
        sendId: m.sendId,
        at: now,
        minHoursBetweenMessages: stores.get(m.storeId)!.settings.minHoursBetweenMessages,
      })),
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
    settings: Parameters<MessageRenderer['render']>[1] | undefined,
  ): NewMessage {
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
          const rendered = this.renderer.render(sendDue, settings!);
          return {
            ...base,
            state: 'sending',
            locale: rendered.locale,
            renderedText: rendered.text,
            template: rendered.template ?? null,
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
