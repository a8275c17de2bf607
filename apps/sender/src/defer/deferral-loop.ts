import { Inject, Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { TOPIC } from '@lib/contracts';
import { KafkaService, OutgoingRecord } from '@lib/kafka';
import { LOGGER } from '@lib/observability';
import type { Logger } from '@lib/observability';
import type { SenderConfig } from '../config';
import { SenderMetrics } from '../sender.metrics';
import { FactsRead } from '../facts-read';
import { SENDER_CONFIG } from '../tokens';
import { MessageDelivery } from '../deliver/message-delivery';
import { MessageRepository, NewMessage } from '../messages/message.repository';
import { redecidedOutcome } from '../messages/message-lifecycle';
import { outcomeRecordOf } from '../messages/outcomes';
import { SendPlanner } from '../plan/send-planner';
import { recoveryLinkRecords } from '../messages/recovery-link';
import { OutcomePublisher } from '../messages/outcome-publisher';

/**
 * Deferred messages wait as rows, not in Kafka: the partition moves on, and this loop claims
 * the rows whose time came (FOR UPDATE SKIP LOCKED, so instances share the work), decides
 * again from the stored send-due, and sends, skips, expires or defers them once more. The
 * claim transaction writes the new decision (the intent, for messages to send) before any
 * call, like the pipeline. The same loop marks `unknown` the sends a crash left without an
 * answer and no webhook settled.
 */
@Injectable()
export class DeferralLoop implements OnApplicationBootstrap, OnApplicationShutdown {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;

  constructor(
    private readonly dataSource: DataSource,
    private readonly messages: MessageRepository,
    private readonly planner: SendPlanner,
    private readonly delivery: MessageDelivery,
    private readonly kafka: KafkaService,
    private readonly publisher: OutcomePublisher,
    private readonly factsRead: FactsRead,
    private readonly metrics: SenderMetrics,
    @Inject(SENDER_CONFIG) private readonly config: SenderConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  onApplicationBootstrap(): void {
    // Deferred rows are decided against the facts: not before those published meanwhile are read.
    void this.factsRead.done.then(() => this.schedule(0));
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.tick()
        .catch((err) => this.logger.warn({ err }, 'deferral loop failed, trying again'))
        .then((busy) => this.schedule(busy ? 0 : this.config.SENDER_DEFERRAL_POLL_MS));
    }, ms);
    this.timer.unref();
  }

  /** One round; true when it found a full batch (more may be waiting). */
  async tick(): Promise<boolean> {
    await this.markUnknown();
    const orphansFull = await this.takeOver();
    const now = new Date();
    const topic = this.kafka.topic(TOPIC.messageOutcomes);
    const decided = await this.dataSource.transaction(async (manager) => {
      const claimed = await this.messages.claimDeferred(this.config.SENDER_DEFERRAL_BATCH_SIZE, manager);
      if (claimed.length === 0) return { planned: [] as NewMessage[], full: false };
      const planned = await this.planner.plan(
        claimed.map((c) => c.sendDue),
        now,
        manager,
      );
      const previousReasons = new Map(claimed.map((c) => [c.sendDue.sendId, c.reason]));
      await this.messages.redecide(planned, previousReasons, manager);
      // Skips and expiries are announced before the commit: a crash in between decides them
      // again (announced twice, never lost). A message still deferred was announced already.
      // With them, the links of the messages now going out, before their intents commit.
      const ended: OutgoingRecord[] = recoveryLinkRecords(this.kafka.topic(TOPIC.recoveryLinks), planned);
      for (const m of planned) {
        const outcome = redecidedOutcome(m);
        if (!outcome) continue;
        ended.push(outcomeRecordOf(topic, outcome));
        this.metrics.decisions.inc({ result: m.state === 'skipped' ? `skipped-${m.reason}` : m.state });
      }
      await this.publisher.publish(ended);
      return { planned, full: claimed.length === this.config.SENDER_DEFERRAL_BATCH_SIZE };
    });
    if (decided.planned.length === 0) return orphansFull;

    const sending = decided.planned.filter((m) => m.state === 'sending');
    await this.publisher.publish(await this.delivery.deliverAll(sending));
    this.logger.info({ claimed: decided.planned.length, sent: sending.length }, 'deferred messages decided again');
    return decided.full || orphansFull;
  }

  /** Intents a dead process wrote and never called: sent from here (see MessageRepository.takeOverUncalled). */
  private async takeOver(): Promise<boolean> {
    const limit = this.config.SENDER_DEFERRAL_BATCH_SIZE;
    const orphans = await this.messages.takeOverUncalled(this.config.SENDER_TAKE_OVER_AFTER_MS, limit, [
      ...this.delivery.delivering,
    ]);
    if (orphans.length === 0) return false;
    this.logger.warn({ count: orphans.length }, 'taking over intents never called by a stopped process');
    await this.publisher.publish(await this.delivery.deliverAll(orphans));
    return orphans.length === limit;
  }

  private async markUnknown(): Promise<void> {
    const stale = await this.messages.markStaleUnknown(this.config.SENDER_UNKNOWN_AFTER_MS);
    if (stale.length === 0) return;
    this.metrics.unknownSends.inc(stale.length);
    this.logger.warn(
      { sendIds: stale.map((m) => m.sendId).slice(0, 50), count: stale.length },
      'sends without an answer nor a webhook marked unknown (not sent again)',
    );
  }
}
