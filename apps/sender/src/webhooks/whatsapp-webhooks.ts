import { Inject, Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { TOPIC } from '@lib/contracts';
import { KafkaService, OutgoingRecord } from '@lib/kafka';
import { LOGGER, maskPhone } from '@lib/observability';
import type { Logger } from '@lib/observability';
import type { SenderConfig } from '../config';
import { OptOutRepository } from '../opt-outs/opt-out.repository';
import { FrequencySlotRepository } from '../contacts/frequency-slot.repository';
import { marketingLimitOf, type MarketingLimit } from '../contacts/marketing-limit';
import { MarketingLimitRepository } from '../contacts/marketing-limit.repository';
import {
  optOutsOnPairing,
  optOutTargets,
  pairingOfStatus,
  pairingsOfReply,
  type IdentityPair,
} from '../contacts/shopper-identity';
import { ShopperIdentityRepository } from '../contacts/shopper-identity.repository';
import { TemplateStateRepository } from '../templates/template-state.repository';
import { applyStatus, releasedFromPacing, statusEnd } from '../messages/message-lifecycle';
import { MessageRepository } from '../messages/message.repository';
import { optOutRecord, outcomePricingOf, outcomeRecordOf } from '../messages/outcomes';
import { SenderMetrics } from '../sender.metrics';
import { StoreSettingsRepository } from '../store-settings/store-settings.repository';
import { SENDER_CONFIG, STORE_OPENINGS } from '../tokens';
import type { StoreOpenings } from '../plan/decide-send';
import { optOutMatcher } from './opt-out-keywords';
import { readWebhook, ShopperReply, StatusNotice, TemplateNotice } from './webhook-payload';
import { OutcomePublisher } from '../messages/outcome-publisher';

/** A shopper leaving by phone: a reply names the business number (so the stores), a 131050 the store. */
type OptingOut = { phone: string; at: string; phoneNumberId?: string; storeId?: string };

/** The stores on a business number (inbound webhooks name the number, not the store). */
type StoresOf = (phoneNumberId: string) => Promise<string[]>;

/**
 * A signed webhook, once its signature is good: statuses move messages forward (and settle a
 * send whose answer was lost, found by the sendId in biz_opaque_callback_data); opt-out
 * replies are recorded. Outcomes are produced and acknowledged before the database commits,
 * so a failure answers 500, Meta sends the webhook again, and nothing is lost (at worst an
 * outcome is announced twice, which readers fold by sendId).
 */
@Injectable()
export class WhatsAppWebhooks {
  private readonly isOptOut: (reply: string) => boolean;

  constructor(
    private readonly dataSource: DataSource,
    private readonly messages: MessageRepository,
    private readonly optOuts: OptOutRepository,
    private readonly contacts: FrequencySlotRepository,
    private readonly settings: StoreSettingsRepository,
    private readonly identities: ShopperIdentityRepository,
    private readonly limits: MarketingLimitRepository,
    private readonly templates: TemplateStateRepository,
    private readonly kafka: KafkaService,
    private readonly publisher: OutcomePublisher,
    private readonly metrics: SenderMetrics,
    @Inject(SENDER_CONFIG) config: SenderConfig,
    @Inject(STORE_OPENINGS) private readonly hours: StoreOpenings,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    this.isOptOut = optOutMatcher(config.OPT_OUT_KEYWORDS);
  }

  async receive(payload: unknown): Promise<void> {
    const { statuses, replies, templates, numbers, termsSigned } = readWebhook(payload);
    await this.templates.learnNumbers(numbers);
    // The stores of each business number, read once per POST (pairing, opt-outs by BSUID and by phone all ask).
    const storesOf = this.storesOfNumbers();
    if (statuses.length > 0) await this.applyStatuses(statuses, storesOf);
    const optingOut = replies.filter((r) => this.isOptOut(r.text));
    const pairingReplies = replies.filter((r) => r.phone && r.userId);
    if (pairingReplies.length > 0) await this.learnFromReplies(pairingReplies, storesOf);
    if (optingOut.length > 0) await this.optOutReplies(optingOut, storesOf);
    if (templates.length > 0) await this.applyTemplates(templates);
    for (const wabaId of termsSigned) await this.resumeOnTermsSigned(wabaId);
  }

  /** An account accepted the Marketing Messages API terms: its stores paused for 131055 send again. */
  private async resumeOnTermsSigned(wabaId: string): Promise<void> {
    const stores = await this.settings.resumeOnTermsSigned(wabaId);
    let released = 0;
    for (const storeId of stores) released += await this.messages.releasePaused(storeId);
    if (stores.length > 0) this.metrics.storesPaused.set((await this.settings.pausedStores()).length);
    this.logger.info(
      { wabaId, stores, released },
      stores.length > 0
        ? 'marketing messages terms accepted: stores paused for 131055 resumed, held messages released'
        : 'marketing messages terms accepted: no store of this account was paused for them',
    );
  }

  /** `storesOfPhoneNumber`, each number read once for the caller's lifetime. */
  private storesOfNumbers(): StoresOf {
    const read = new Map<string, Promise<string[]>>();
    return (phoneNumberId) => {
      let stores = read.get(phoneNumberId);
      if (!stores) read.set(phoneNumberId, (stores = this.settings.storesOfPhoneNumber(phoneNumberId)));
      return stores;
    };
  }

  private async applyStatuses(notices: StatusNotice[], storesOf: StoresOf): Promise<void> {
    const topic = this.kafka.topic(TOPIC.messageOutcomes);
    const stoppedMarketing: OptingOut[] = [];
    const neverReached: Array<{ storeId: string; phone: string; sendId: string }> = [];
    const limited: MarketingLimit[] = [];
    const pairs: IdentityPair[] = [];
    await this.dataSource.transaction(async (manager) => {
      const rows = await this.messages.forStatuses(notices, manager);
      // A paced message Meta releases while its store is closed is announced apart: its hours are read once.
      const pacedStores = [...new Set(rows.filter((r) => r.state === 'paced').map((r) => r.storeId))];
      const stores = await this.settings.ofStores(pacedStores, manager);
      const byWamid = new Map(rows.filter((r) => r.wamid).map((r) => [r.wamid!, r]));
      const bySendId = new Map(rows.map((r) => [r.sendId, r]));
      const outputs: OutgoingRecord[] = [];
      const changed = new Set<string>();
      const pricing = new Map<string, NonNullable<StatusNotice['pricing']>>();
      for (const notice of notices) {
        const row = byWamid.get(notice.wamid) ?? (notice.sendId ? bySendId.get(notice.sendId) : undefined);
        if (!row || (row.wamid && row.wamid !== notice.wamid)) {
          this.metrics.webhookStatuses.inc({ status: notice.status, result: 'unknown-message' });
          continue;
        }
        // Settled by its id whatever identity fields came; a BSUID next to the row's phone pairs them.
        const pair = pairingOfStatus(row, notice.recipient);
        if (pair) pairs.push(pair);
        if (notice.pricing) pricing.set(row.sendId, notice.pricing);
        const before = row.state;
        const { isNew, next } = applyStatus(row, notice);
        this.metrics.webhookStatuses.inc({ status: notice.status, result: isNew ? 'applied' : 'already-known' });
        if (!isNew) continue;
        Object.assign(row, next);
        byWamid.set(notice.wamid, row);
        changed.add(row.sendId);
        let storeClosed = false;
        if (releasedFromPacing(before, next.state)) {
          const settings = stores.get(row.storeId)?.settings;
          storeClosed = settings !== undefined && !this.hours.isOpen(new Date(notice.at), settings);
          this.metrics.pacedReleased.inc({ store_id: row.storeId, store_closed: String(storeClosed) });
        }
        const end = statusEnd(row, notice, next, {
          releasedWhileClosed: storeClosed,
          ...(notice.pricing ? { pricing: outcomePricingOf(notice.pricing) } : {}),
        });
        outputs.push(outcomeRecordOf(topic, end.outcome));
        if (end.releasesSlot) neverReached.push(row);
        if (end.optsOut) stoppedMarketing.push({ storeId: row.storeId, phone: row.phone, at: notice.at });
        if (end.limitedByMeta) {
          limited.push(marketingLimitOf(row, new Date(notice.at)));
          this.metrics.limitedByMeta.inc({ store_id: row.storeId });
        }
      }
      await this.publisher.publish(outputs);
      // A known status with new pricing (Meta reports it on sent, or changes it later) is written too.
      for (const sendId of pricing.keys()) changed.add(sendId);
      await this.messages.saveStatuses(
        [...changed].map((sendId) => ({ ...bySendId.get(sendId)!, pricing: pricing.get(sendId) ?? null })),
        manager,
      );
      // A BSUID next to the row's phone pairs them, in the same transaction (no second one per POST).
      await this.learnIn(pairs, manager);
    });
    if (pairs.length > 0) this.identities.remember(pairs);
    if (limited.length > 0) {
      await this.limits.hold(limited, new Date());
      this.logger.warn(
        { limited: limited.map((l) => ({ storeId: l.storeId, phone: maskPhone(l.phone), until: l.until })) },
        'limited by Meta (131049): shoppers held 24 h',
      );
    }
    // Failed later (131049, 131026…): the shopper was not reached, the frequency slot goes back.
    await this.contacts.release(neverReached);
    if (stoppedMarketing.length > 0) await this.optOut(stoppedMarketing, 'graph-131050', storesOf);
  }

  /**
   * Opt-out replies: by phone when the reply has one; by the phone its BSUID was paired with,
   * store by store; a BSUID never paired is kept (pending_opt_outs) until a webhook pairs it.
   */
  private async optOutReplies(replies: ShopperReply[], storesOf: StoresOf): Promise<void> {
    const byPhone: OptingOut[] = [];
    for (const reply of replies) {
      if (reply.phone) {
        byPhone.push({ phone: reply.phone, at: reply.at, phoneNumberId: reply.phoneNumberId });
        continue;
      }
      const stores = await storesOf(reply.phoneNumberId);
      const paired = await this.identities.phonesOf(stores, reply.userId!);
      const targets = optOutTargets(stores, reply, (storeId) => paired.get(storeId));
      for (const t of targets.byPhone) byPhone.push({ phone: t.phone, at: reply.at, storeId: t.storeId });
      if (targets.pending.length > 0) {
        await this.identities.keepPending(
          targets.pending.map((p) => ({ ...p, at: new Date(reply.at), source: 'reply' })),
        );
        this.metrics.optOuts.inc({ source: 'reply-pending-bsuid' }, targets.pending.length);
        this.logger.info(
          { stores: targets.pending.map((p) => p.storeId) },
          'shopper opted out by business-scoped id alone: kept until its phone is known',
        );
      }
    }
    if (byPhone.length > 0) await this.optOut(byPhone, 'reply', storesOf);
  }

  /** A reply with both the phone and the BSUID pairs them for every store of its number. */
  private async learnFromReplies(replies: ShopperReply[], storesOf: StoresOf): Promise<void> {
    const pairs: IdentityPair[] = [];
    for (const reply of replies) {
      pairs.push(...pairingsOfReply(await storesOf(reply.phoneNumberId), reply));
    }
    await this.learn(pairs);
  }

  /** Pairs learnt from replies, in a transaction of their own. */
  private async learn(pairs: IdentityPair[]): Promise<void> {
    if (pairs.length === 0) return;
    await this.dataSource.transaction((manager) => this.learnIn(pairs, manager));
    this.identities.remember(pairs);
  }

  /**
   * Records new pairs in `manager`'s transaction; opt-outs that waited for one of them become
   * opt-outs by phone (announced, then recorded) in that same transaction, which takes them.
   * The caller remembers the pairs once it committed.
   */
  private async learnIn(pairs: IdentityPair[], manager: EntityManager): Promise<void> {
    if (pairs.length === 0) return;
    const learnt = await this.identities.learn(pairs, manager);
    this.metrics.identitiesLearnt.inc(learnt.length);
    const resolved = optOutsOnPairing(learnt, await this.identities.takePending(learnt, manager));
    if (resolved.length === 0) return;
    const topic = this.kafka.topic(TOPIC.messageOutcomes);
    const optOuts = resolved.map((o) => ({ storeId: o.storeId, phone: o.phone, at: o.at, source: 'reply-bsuid' }));
    await this.publisher.publish(optOuts.map((o) => optOutRecord(topic, o)));
    const fresh = await this.optOuts.record(optOuts, manager);
    this.metrics.optOuts.inc({ source: 'reply-bsuid' }, fresh.length);
    this.logger.info({ optOuts: resolved.length }, 'opt-outs kept by business-scoped id matched their phone');
  }

  /**
   * Template status and category webhooks: the latest of each is kept; a template paused or
   * disabled pauses the stores sending it (alert), approved again releases what they held.
   */
  private async applyTemplates(notices: TemplateNotice[]): Promise<void> {
    for (const n of notices) this.metrics.templateWebhooks.inc({ kind: n.kind });
    const turns = await this.templates.apply(notices);
    for (const turn of turns) {
      const { state } = turn;
      if (turn.paused) {
        for (const storeId of turn.stores) {
          this.metrics.templatePaused.inc({ store_id: storeId, template: state.name, status: state.status ?? '' });
        }
        this.logger.error(
          {
            alert: 'template-paused',
            template: state.name,
            language: state.language,
            status: state.status,
            reason: state.statusReason,
            stores: turn.stores,
          },
          'template paused by Meta: the stores sending it hold their messages until it is approved again',
        );
      } else if (turn.resumed) {
        let released = 0;
        for (const storeId of turn.stores) released += await this.messages.releasePaused(storeId);
        this.logger.info(
          { template: state.name, status: state.status, stores: turn.stores, released },
          'template sendable again: held messages released',
        );
      }
    }
    if (turns.length > 0) this.metrics.templatesHolding.set(await this.templates.holdingCount());
  }

  /** Records and announces opt-outs; a reply names the business number, which names the stores. */
  private async optOut(replies: OptingOut[], source: string, storesOf: StoresOf): Promise<void> {
    const found: Array<{ storeId: string; phone: string; at: Date; source: string }> = [];
    for (const reply of replies) {
      const stores = reply.storeId ? [reply.storeId] : await storesOf(reply.phoneNumberId ?? '');
      for (const storeId of stores) found.push({ storeId, phone: reply.phone, at: new Date(reply.at), source });
      this.logger.info({ phone: maskPhone(reply.phone), stores, source }, 'shopper opted out');
    }
    const topic = this.kafka.topic(TOPIC.messageOutcomes);
    await this.publisher.publish(found.map((o) => optOutRecord(topic, o)));
    const fresh = await this.optOuts.record(found);
    this.metrics.optOuts.inc({ source }, fresh.length);
  }
}
