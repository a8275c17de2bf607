import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { cartKey, SendDue, sendDueContract, TOPIC, type ExperimentsSettings } from '@lib/contracts';
import { KafkaService, OutgoingRecord } from '@lib/kafka';
import { LOGGER } from '@lib/observability';
import type { Logger } from '@lib/observability';
import type { ContactAsk } from '@lib/contact-frequency';
import type { Episode } from '../cart-events/abandonment';
import { CartRepository, StoredCart, storedCartOf } from '../cart-events/cart.repository';
import type { SchedulerConfig } from '../config';
import { ContactHoldRepository } from '../contacts/contact-hold.repository';
import { Arm, armOf, periodOf } from '../experiments/holdout';
import { variantOf } from '../experiments/variants';
import { SchedulerMetrics } from '../scheduler.metrics';
import { StoreSettingsRepository } from '../store-settings/store-settings.repository';
import { SCHEDULER_CONFIG } from '../tokens';
import { closeEpisode, sendDueOf, sendIdOf, triageDue } from './due-cart';
import { TimerRepository } from './timer.repository';

/**
 * One claim transaction: lock due carts (FOR UPDATE SKIP LOCKED) → decide each (expire, hold,
 * frequency rule, opt-out, then the holdout draw: a held-out cart closes `held-out` here, at
 * the time its message would have gone, keeping its frequency hold, and gets no send-due) →
 * produce their `send-due` and wait for Kafka's acknowledgement →
 * mark them closed → commit. The row locks live exactly as long as the transaction, so:
 *  - a crash before the acknowledgement: nothing is marked, the locks go with the connection,
 *    the carts are claimed again and emitted with the same sendIds;
 *  - a crash after the acknowledgement but before the commit: the same, so the send-due is
 *    emitted twice with one sendId, which the sender drops;
 *  - after the commit: the carts are closed; nothing is emitted again.
 */
@Injectable()
export class SendDueEmitter {
  constructor(
    private readonly dataSource: DataSource,
    private readonly timers: TimerRepository,
    private readonly carts: CartRepository,
    private readonly settings: StoreSettingsRepository,
    private readonly contacts: ContactHoldRepository,
    private readonly kafka: KafkaService,
    private readonly metrics: SchedulerMetrics,
    @Inject(SCHEDULER_CONFIG) private readonly config: SchedulerConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  /** Handles up to `limit` due carts; returns how many it claimed. */
  async emitDue(limit: number): Promise<number> {
    const runner = this.dataSource.createQueryRunner();
    await runner.connect();
    const started = process.hrtime.bigint();
    try {
      await runner.startTransaction();
      // A wedged instance must not sit on its claimed carts forever.
      await runner.query(
        `SET LOCAL idle_in_transaction_session_timeout = ${this.config.SCHEDULER_TIMER_TX_TIMEOUT_MS}`,
      );
      const rows = await this.timers.claimDue(runner.manager, limit);
      this.metrics.claims.inc({ found: rows.length > 0 ? 'due' : 'none' });
      if (rows.length === 0) {
        await runner.commitTransaction();
        return 0;
      }
      const now = Date.now();
      const due = rows.map(storedCartOf);
      const settings = await this.settings.ofStores([...new Set(due.map((c) => c.state.storeId))]);

      const holds: StoredCart[] = [];
      const closing: Array<{
        cart: StoredCart;
        result: Parameters<typeof closeEpisode>[1];
        arm?: Arm | null;
        variant?: string | null;
      }> = [];
      const candidates: Array<ContactAsk & { cart: StoredCart; experiments: ExperimentsSettings | undefined }> = [];
      for (const cart of due) {
        const triage = triageDue(cart.state, settings.get(cart.state.storeId));
        if (triage.action === 'hold')
          holds.push({ state: { ...cart.state, episode: triage.episode }, version: cart.version + 1 });
        else if (triage.action === 'expire') closing.push({ cart, result: { kind: 'expired' } });
        else {
          const { storeId, cartId, episode } = cart.state;
          candidates.push({
            cart,
            storeId,
            phone: triage.phone,
            sendId: sendIdOf(storeId, cartId, episode.number),
            minHoursBetweenMessages: triage.minHoursBetweenMessages,
            experiments: settings.get(storeId)?.experiments,
          });
        }
      }
      const verdicts = await this.contacts.decide(candidates, new Date(now), runner.manager);
      for (const c of candidates) {
        const verdict = verdicts.get(c.sendId) ?? 'frequency-cap';
        // Drawn only once the message may go: both arms are carts that would have been messaged.
        const arm =
          verdict === 'granted'
            ? armOf(this.config.EXPERIMENT_ASSIGNMENT_KEY, c.experiments, c.storeId, c.phone)
            : null;
        // A messaged shopper's A/B variant (experiments/variants.ts): the same one that planned the delay.
        const variant =
          verdict === 'granted' && arm !== 'holdout'
            ? variantOf(this.config.EXPERIMENT_ASSIGNMENT_KEY, c.experiments, c.storeId, c.phone)
            : null;
        closing.push({ cart: c.cart, result: { kind: 'contact', verdict, arm }, arm, variant });
      }

      const closed: Array<{
        cart: StoredCart;
        episode: Episode;
        arm: Arm | null;
        period: string | null;
        variant: string | null;
      }> = [];
      const records: OutgoingRecord[] = [];
      const emitted: SendDue[] = [];
      for (const { cart, result, arm, variant } of closing) {
        let episode = closeEpisode(cart.state, result, now);
        const experiments = settings.get(cart.state.storeId)?.experiments;
        const period = arm || variant ? periodOf(experiments) : null;
        if (episode.status === 'emitted') {
          const event = sendDueOf(cart.state, episode, variant ?? null);
          const valid = sendDueContract.check(event);
          if (valid.ok) {
            emitted.push(event);
            records.push({
              topic: this.kafka.topic(TOPIC.sendDue),
              key: cartKey(event.storeId, event.cartId),
              value: JSON.stringify(event),
            });
          } else {
            this.logger.error({ storeId: event.storeId, cartId: event.cartId, error: valid.error }, 'send-due invalid');
            episode = { ...episode, status: 'skipped', reason: 'invalid-send-due', sendId: null };
          }
        }
        closed.push({
          cart,
          episode,
          arm: episode.status === 'skipped' ? null : (arm ?? null),
          period,
          // Only a message that went to the sender was in a variant.
          variant: episode.status === 'emitted' ? (variant ?? null) : null,
        });
      }

      await this.kafka.producer.send(records);
      const ackedAt = Date.now();

      const writes = [
        ...holds,
        ...closed.map(({ cart, episode }) => ({ state: { ...cart.state, episode }, version: cart.version + 1 })),
      ];
      const conflicts = await this.carts.saveEpisodes(writes, runner.manager);
      if (conflicts.size > 0) throw new Error(`claimed carts changed under their lock: ${conflicts.size}`);
      await this.timers.archive(
        runner.manager,
        closed.map(({ cart, episode, arm, period, variant }) => ({
          storeId: cart.state.storeId,
          cartId: cart.state.cartId,
          episode,
          arm,
          period,
          variant,
        })),
      );
      await runner.commitTransaction();

      for (const e of emitted) this.metrics.emissionLag.observe(Math.max(0, ackedAt - Date.parse(e.dueAt)) / 1000);
      for (const { episode } of closed) {
        const result = episode.status === 'skipped' ? `skipped-${episode.reason}` : episode.status;
        this.metrics.timersFired.inc({ result });
      }
      if (holds.length) this.metrics.timersFired.inc({ result: 'held' }, holds.length);
      this.metrics.claimSeconds.observe(Number(process.hrtime.bigint() - started) / 1e9);
      return rows.length;
    } catch (error) {
      if (runner.isTransactionActive) await runner.rollbackTransaction().catch(() => undefined);
      throw error;
    } finally {
      await runner.release();
    }
  }
}
