import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { SendDue, sendDueContract, TOPIC } from '@lib/contracts';
import { BatchContext, BatchResult, ConsumedRecord, DeadLetter, KafkaService, OutgoingRecord } from '@lib/kafka';
import type { SenderConfig } from '../config';
import { SenderMetrics } from '../sender.metrics';
import { SENDER_CONFIG } from '../tokens';
import { MessageDelivery } from '../deliver/message-delivery';
import { MessageRepository, NewMessage } from '../messages/message.repository';
import { decidedOutcome, restatedOutcome } from '../messages/message-lifecycle';
import { outcomeRecordOf } from '../messages/outcomes';
import { recoveryLinkRecords } from '../messages/recovery-link';
import { ErasureRepository } from '../erasure/erasure.repository';
import { SendPlanner } from '../plan/send-planner';

/**
 * consume `send-due` (a batch per partition) → drop sendIds already handled → decide and
 * render → write every decision in one transaction, the intent (`sending`) of messages to go
 * out included → call the Graph API → record how each ended → return the outcomes, which the
 * consumer produces and has acknowledged before it commits the offsets.
 *
 * Crash points (docs/sender.md has the whole table): before the transaction commits, nothing
 * happened and the batch is read again; after it, every sendId of the batch has its row, so a
 * re-read batch drops them all. Only the process that wrote an intent calls for it, after
 * marking it called; intents a dead process never called are taken over by the deferral
 * loop, called ones wait for their webhook: no message is ever called twice.
 */
@Injectable()
export class SendDuePipeline {
  constructor(
    private readonly dataSource: DataSource,
    private readonly messages: MessageRepository,
    private readonly planner: SendPlanner,
    private readonly delivery: MessageDelivery,
    private readonly kafka: KafkaService,
    private readonly metrics: SenderMetrics,
    private readonly erasures: ErasureRepository,
    @Inject(SENDER_CONFIG) private readonly config: SenderConfig,
  ) {}

  async handle(records: ConsumedRecord[], ctx: BatchContext): Promise<BatchResult> {
    const deadLetters: DeadLetter[] = [];
    const outputs: OutgoingRecord[] = [];
    const seen = new Set<string>();
    // Slices bound the messages in flight (and so the memory) whatever the fetch brought, and
    // let a stopping consumer commit what is done instead of sending the whole fetch first.
    const size = this.config.SENDER_BATCH_SLICE;
    for (let from = 0; from < records.length; from += size) {
      const slice = records.slice(from, from + size);
      const bySendId = new Map<string, SendDue>();
      for (const record of slice) {
        const decoded = sendDueContract.decode(record.value);
        if (!decoded.ok) deadLetters.push({ record, reason: decoded.reason, error: decoded.error });
        else if (seen.has(decoded.value.sendId)) this.metrics.decisions.inc({ result: 'duplicate' });
        else {
          seen.add(decoded.value.sendId);
          bySendId.set(decoded.value.sendId, decoded.value);
        }
      }
      outputs.push(...(await this.handleSlice(bySendId, ctx)));
      const more = from + size < records.length;
      if (more && ctx.isStopping()) return { outputs, deadLetters, handledUpTo: slice[slice.length - 1].offset };
    }
    return { outputs, deadLetters };
  }

  /**
   * Drops the send-dues of erased shoppers detected before their erasure, still on the topic
   * (erasure/erasure-scope.ts): no message and no row brings their data back.
   */
  private async withoutErasedShoppers(sendDues: SendDue[]): Promise<SendDue[]> {
    const key = this.config.ERASURE_HASH_KEY;
    if (!key) return sendDues;
    const kept = await this.erasures.withoutErased(sendDues, key, (d) => ({
      storeId: d.storeId,
      phone: d.customer.phone,
      detectedAt: Date.parse(d.detectedAt),
    }));
    if (kept.length < sendDues.length) this.metrics.decisions.inc({ result: 'erased' }, sendDues.length - kept.length);
    return kept;
  }

  private async handleSlice(bySendId: Map<string, SendDue>, ctx: BatchContext): Promise<OutgoingRecord[]> {
    const topic = this.kafka.topic(TOPIC.messageOutcomes);
    const outputs: OutgoingRecord[] = [];

    // Redelivered sendIds: never decided again. Their current outcome is announced again, since
    // the run that recorded it may have died before its outcome was acknowledged.
    const known = await this.messages.bySendIds([...bySendId.keys()]);
    for (const m of known) {
      bySendId.delete(m.sendId);
      this.metrics.decisions.inc({ result: 'duplicate' });
      const again = restatedOutcome(m);
      if (again) outputs.push(outcomeRecordOf(topic, again));
    }
    if (bySendId.size === 0) return outputs;

    const sendDues = await this.withoutErasedShoppers([...bySendId.values()]);
    if (sendDues.length === 0) return outputs;
    const decidedAt = Date.now();
    for (const d of sendDues) this.metrics.sendDueAge.observe(Math.max(0, decidedAt - Date.parse(d.dueAt)) / 1000);
    // Facts read and decisions made before the transaction: it then holds its pooled connection
    // for two statements only, and never waits for a second one (SendPlanner.readFacts).
    const facts = await this.planner.readFacts(sendDues);
    const now = new Date();
    const decided = this.planner.decide(sendDues, now, facts);
    // The links go first: once an intent is written its message may go out (now, or taken
    // over after a crash), so ingest must be able to resolve its link. A crash between the two
    // leaves a link no message shows, never a message whose link is 404.
    const links = recoveryLinkRecords(this.kafka.topic(TOPIC.recoveryLinks), decided);
    if (links.length > 0) await this.kafka.producer.send(links);
    const written = await this.dataSource.transaction(async (manager) => {
      const planned = await this.planner.takeSlots(decided, now, facts, manager);
      const inserted = await this.messages.insert(planned, manager);
      // A sendId another consumer wrote meanwhile (rebalance) is that consumer's to send.
      return planned.filter((m) => inserted.has(m.sendId));
    });

    const sending: NewMessage[] = [];
    for (const m of written) {
      const outcome = decidedOutcome(m);
      if (!outcome) {
        sending.push(m);
        continue;
      }
      outputs.push(outcomeRecordOf(topic, outcome));
      this.metrics.decisions.inc({ result: m.state === 'skipped' ? `skipped-${m.reason}` : m.state });
    }
    outputs.push(...(await this.delivery.deliverAll(sending, () => ctx.heartbeat())));
    return outputs;
  }
}
