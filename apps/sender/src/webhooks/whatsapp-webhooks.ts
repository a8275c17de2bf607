import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { TOPIC } from '@lib/contracts';
import { KafkaService, OutgoingRecord } from '@lib/kafka';
import { LOGGER, maskPhone } from '@lib/observability';
import type { Logger } from '@lib/observability';
import type { SenderConfig } from '../config';
import { OptOutRepository } from '../opt-outs/opt-out.repository';
import { FrequencySlotRepository } from '../contacts/frequency-slot.repository';
import { applyStatus, statusEnd } from '../messages/message-lifecycle';
import { MessageRepository } from '../messages/message.repository';
import { optOutRecord, outcomeRecordOf } from '../messages/outcomes';
import { SenderMetrics } from '../sender.metrics';
import { StoreSettingsRepository } from '../store-settings/store-settings.repository';
import { SENDER_CONFIG } from '../tokens';
import { optOutMatcher } from './opt-out-keywords';
import { readWebhook, ShopperReply, StatusNotice } from './webhook-payload';
import { OutcomePublisher } from '../messages/outcome-publisher';

/** A shopper leaving: a reply names the business number (so the stores), a 131050 the store. */
type OptingOut = Pick<ShopperReply, 'phone' | 'at'> & { phoneNumberId?: string; storeId?: string };

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
    private readonly kafka: KafkaService,
    private readonly publisher: OutcomePublisher,
    private readonly metrics: SenderMetrics,
    @Inject(SENDER_CONFIG) config: SenderConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    this.isOptOut = optOutMatcher(config.OPT_OUT_KEYWORDS);
  }

  async receive(payload: unknown): Promise<void> {
    const { statuses, replies } = readWebhook(payload);
    if (statuses.length > 0) await this.applyStatuses(statuses);
    const optingOut = replies.filter((r) => this.isOptOut(r.text));
    if (optingOut.length > 0) await this.optOut(optingOut, 'reply');
  }

  private async applyStatuses(notices: StatusNotice[]): Promise<void> {
    const topic = this.kafka.topic(TOPIC.messageOutcomes);
    const stoppedMarketing: OptingOut[] = [];
    const neverReached: Array<{ storeId: string; phone: string; sendId: string }> = [];
    await this.dataSource.transaction(async (manager) => {
      const rows = await this.messages.forStatuses(notices, manager);
      const byWamid = new Map(rows.filter((r) => r.wamid).map((r) => [r.wamid!, r]));
      const bySendId = new Map(rows.map((r) => [r.sendId, r]));
      const outputs: OutgoingRecord[] = [];
      const changed = new Set<string>();
      for (const notice of notices) {
        const row = byWamid.get(notice.wamid) ?? (notice.sendId ? bySendId.get(notice.sendId) : undefined);
        if (!row || (row.wamid && row.wamid !== notice.wamid)) {
          this.metrics.webhookStatuses.inc({ status: notice.status, result: 'unknown-message' });
          continue;
        }
        const { isNew, next } = applyStatus(row, notice);
        this.metrics.webhookStatuses.inc({ status: notice.status, result: isNew ? 'applied' : 'already-known' });
        if (!isNew) continue;
        Object.assign(row, next);
        byWamid.set(notice.wamid, row);
        changed.add(row.sendId);
        const end = statusEnd(row, notice, next);
        outputs.push(outcomeRecordOf(topic, end.outcome));
        if (end.releasesSlot) neverReached.push(row);
        if (end.optsOut) stoppedMarketing.push({ storeId: row.storeId, phone: row.phone, at: notice.at });
      }
      await this.publisher.publish(outputs);
      await this.messages.saveStatuses(
        [...changed].map((sendId) => bySendId.get(sendId)!),
        manager,
      );
    });
    // Failed later (131049, 131026…): the shopper was not reached, the frequency slot goes back.
    await this.contacts.release(neverReached);
    if (stoppedMarketing.length > 0) await this.optOut(stoppedMarketing, 'graph-131050');
  }

  /** Records and announces opt-outs; a reply names the business number, which names the stores. */
  private async optOut(replies: OptingOut[], source: string): Promise<void> {
    const found: Array<{ storeId: string; phone: string; at: Date; source: string }> = [];
    for (const reply of replies) {
      const stores = reply.storeId
        ? [reply.storeId]
        : await this.settings.storesOfPhoneNumber(reply.phoneNumberId ?? '');
      for (const storeId of stores) found.push({ storeId, phone: reply.phone, at: new Date(reply.at), source });
      this.logger.info({ phone: maskPhone(reply.phone), stores, source }, 'shopper opted out');
    }
    const topic = this.kafka.topic(TOPIC.messageOutcomes);
    await this.publisher.publish(found.map((o) => optOutRecord(topic, o)));
    const fresh = await this.optOuts.record(found);
    this.metrics.optOuts.inc({ source }, fresh.length);
  }
}
