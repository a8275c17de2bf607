import { Inject, Injectable } from '@nestjs/common';
import { TOPIC } from '@lib/contracts';
import { KafkaService, OutgoingRecord } from '@lib/kafka';
import { LOGGER, maskPhone } from '@lib/observability';
import type { Logger } from '@lib/observability';
import type { SenderConfig } from '../config';
import { OptOutRepository } from '../opt-outs/opt-out.repository';
import { SenderMetrics } from '../sender.metrics';
import { StoreSettingsRepository } from '../store-settings/store-settings.repository';
import { SENDER_CONFIG } from '../tokens';
import { deliver, DeliveryOutcome, endpointFor, MARKETING_TERMS_NOT_ACCEPTED, OutgoingMessage } from '../whatsapp';
import { categoryKey, TemplateStateRepository } from '../templates/template-state.repository';
import { routingCategory } from '../templates/template-state';
import { FrequencySlotRepository } from '../contacts/frequency-slot.repository';
import { GraphApi } from './graph-api';
import { deliveryEnd } from '../messages/message-lifecycle';
import { MessageRepository, NewMessage } from '../messages/message.repository';
import { optOutRecord, outcomeRecordOf } from '../messages/outcomes';

/** The intent was taken over by another process (this one was thought dead): do not call. */
class TakenOver extends Error {}

/**
 * Sends messages whose intent is already committed (state `sending`), all at once within the
 * process-wide limits, then records how each ended and returns the outcome records to publish.
 * Each message is one `deliver` (limits, retries, settling from webhooks); none is sent again
 * after an answer that may have been an acceptance.
 */
@Injectable()
export class MessageDelivery {
  private calledMarks = new Map<string, Array<{ resolve(ok: boolean): void; reject(e: unknown): void }>>();
  private marksTimer: NodeJS.Timeout | undefined;
  private marking = false;

  constructor(
    private readonly graph: GraphApi,
    private readonly messages: MessageRepository,
    private readonly settings: StoreSettingsRepository,
    private readonly optOuts: OptOutRepository,
    private readonly contacts: FrequencySlotRepository,
    private readonly templates: TemplateStateRepository,
    private readonly kafka: KafkaService,
    private readonly metrics: SenderMetrics,
    @Inject(SENDER_CONFIG) private readonly config: SenderConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  /** SendIds this process is delivering now: never taken over by its own deferral loop. */
  readonly delivering = new Set<string>();

  async deliverAll(messages: NewMessage[], heartbeat?: () => Promise<void>): Promise<OutgoingRecord[]> {
    if (messages.length === 0) return [];
    for (const m of messages) this.delivering.add(m.sendId);
    try {
      return await this.deliverEach(messages, heartbeat);
    } finally {
      for (const m of messages) this.delivering.delete(m.sendId);
    }
  }

  private async deliverEach(messages: NewMessage[], heartbeat?: () => Promise<void>): Promise<OutgoingRecord[]> {
    const stores = await this.settings.ofStores([...new Set(messages.map((m) => m.storeId))]);
    const categories = await this.latestCategories(messages);
    const beat = heartbeat ? setInterval(() => void heartbeat().catch(() => undefined), 2000) : undefined;
    try {
      // Settled one by one: a message that failed unexpectedly must not keep the others, maybe
      // accepted by Meta already, from being recorded and announced.
      const settled = await Promise.allSettled(
        messages.map(async (m) => {
          const settings = stores.get(m.storeId)?.settings;
          const started = Date.now();
          const latest =
            m.template && m.phoneNumberId
              ? categories.get(categoryKey(m.phoneNumberId, m.template.templateName))
              : null;
          const outcome = await this.deliverOne(m, settings, latest ?? null).catch((error: unknown) => {
            if (error instanceof TakenOver) return undefined;
            throw error;
          });
          this.metrics.deliverySeconds.observe((Date.now() - started) / 1000);
          return { message: m, outcome };
        }),
      );
      const ended = settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
      const taken = ended.filter((e) => !e.outcome).map((e) => e.message.sendId);
      if (taken.length > 0)
        this.logger.warn({ sendIds: taken.slice(0, 50) }, 'intents taken over by another process: not called here');
      const outputs = await this.record(
        ended.filter((e): e is { message: NewMessage; outcome: DeliveryOutcome } => !!e.outcome),
      );
      // The failed ones were not called (their intent stays, taken over later): the batch fails
      // and is read again, and the ones recorded here are announced again from their rows.
      const failure = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
      if (failure) throw failure.reason;
      return outputs;
    } finally {
      if (beat) clearInterval(beat);
    }
  }

  /** Meta's latest category of each template the batch sends (by phone number id and name), one query. */
  private latestCategories(messages: NewMessage[]): Promise<Map<string, string>> {
    const keys = new Map<string, { phoneNumberId: string; templateName: string }>();
    for (const m of messages) {
      if (!m.template || !m.phoneNumberId) continue;
      const key = { phoneNumberId: m.phoneNumberId, templateName: m.template.templateName };
      keys.set(categoryKey(key.phoneNumberId, key.templateName), key);
    }
    return this.templates.latestCategories([...keys.values()]);
  }

  private async deliverOne(
    m: NewMessage,
    settings:
      | {
          whatsapp: {
            phoneNumberId: string;
            accessToken?: string;
            templateCategory?: string;
            throughputPerSecond?: number;
          };
        }
      | undefined,
    latestCategory: string | null,
  ): Promise<DeliveryOutcome> {
    const token = settings?.whatsapp.accessToken;
    if (!settings || !token) {
      return { result: { kind: 'token-rejected', code: 0, reason: 'no access token configured' }, attempts: 0 };
    }
    const body: OutgoingMessage = m.template
      ? {
          type: 'template',
          name: m.template.templateName,
          languageCode: m.template.languageCode,
          bodyParameters: m.template.bodyParameters,
          urlButtonParameter: m.template.buttonUrlSuffix,
          category: routingCategory(latestCategory, settings.whatsapp.templateCategory),
        }
      : { type: 'text', body: m.renderedText ?? '', previewUrl: true };
    const outcome = await this.deliverBody(m, settings, token, body);
    const { result } = outcome;
    if (
      result.kind !== 'token-rejected' ||
      result.code !== MARKETING_TERMS_NOT_ACCEPTED ||
      endpointFor(body) !== 'marketing_messages'
    ) {
      return outcome;
    }
    // 131055 is a refusal: nothing went out, so the /messages route may carry it instead.
    const fallback = this.config.WHATSAPP_MARKETING_TERMS_FALLBACK;
    this.metrics.marketingTermsMissing.inc({ store_id: m.storeId, action: fallback ? 'fallback' : 'paused' });
    this.logger.error(
      { alert: 'marketing-terms-not-accepted', storeId: m.storeId, code: result.code, fallback },
      fallback
        ? 'Marketing Messages API terms not accepted: sent through /messages instead (no time-to-live there)'
        : 'Marketing Messages API terms not accepted: the store is paused until they are and its settings are saved again',
    );
    if (!fallback || body.type !== 'template') return outcome;
    const again = await this.deliverBody(m, settings, token, { ...body, fallbackToMessages: true });
    return { ...again, attempts: outcome.attempts + again.attempts };
  }

  private deliverBody(
    m: NewMessage,
    settings: { whatsapp: { phoneNumberId: string; throughputPerSecond?: number } },
    token: string,
    body: OutgoingMessage,
  ): Promise<DeliveryOutcome> {
    return deliver(
      {
        client: this.graph.client,
        // The slot is taken before the throughput grant is checked for age, so a wait for a
        // free connection never sends on a stale grant.
        slots: this.graph.slots,
        onGrantRenewed: () => this.metrics.grantRenewals.inc(),
        limiter: this.graph.limiter,
        retryPolicy: this.graph.retryPolicy,
        settle: async (sendId) => (await this.messages.settledByWebhook(sendId)) ?? undefined,
        settleAfterMs: this.config.SENDER_AMBIGUOUS_SETTLE_MS,
        // The last word before the call: this process still owns the intent, and says it called.
        // (A fallback after 131055 marks again: the mark is idempotent for its owner.)
        beforeAttempt: async (attempt) => {
          if (attempt === 1 && !(await this.markCalled(m.sendId))) throw new TakenOver();
        },
        afterAttempt: (_attempt, result) => {
          this.metrics.apiCalls.inc({ result: result.kind });
          if (result.kind !== 'accepted') {
            this.metrics.graphErrors.inc({ kind: result.kind, code: String(result.code ?? 'none') });
            return;
          }
          const number = settings.whatsapp.phoneNumberId;
          this.metrics.numberMessages.inc({ phone_number_id: number });
          this.metrics.numberLimit.set(
            { phone_number_id: number },
            settings.whatsapp.throughputPerSecond ??
              this.config.WHATSAPP_THROUGHPUT_BY_NUMBER[number] ??
              this.config.WHATSAPP_THROUGHPUT_PER_SECOND,
          );
        },
      },
      {
        phoneNumberId: settings.whatsapp.phoneNumberId,
        throughputPerSecond: settings.whatsapp.throughputPerSecond,
        accessToken: token,
        to: m.phone,
        body,
        bizOpaqueCallbackData: m.sendId,
      },
    );
  }

  /**
   * Records every ending and builds the outcomes: what each result means is the lifecycle's
   * `deliveryEnd`; here the I/O, once per batch (pauses once per store, opt-outs, the
   * settlements, the frequency slots given back).
   */
  private async record(ended: Array<{ message: NewMessage; outcome: DeliveryOutcome }>): Promise<OutgoingRecord[]> {
    const topic = this.kafka.topic(TOPIC.messageOutcomes);
    const now = new Date();
    const ends = ended.map(({ message: m, outcome }) => ({ message: m, outcome, end: deliveryEnd(m, outcome, now) }));
    for (const { message: m, outcome, end } of ends) {
      this.metrics.decisions.inc({ result: end.counted });
      const { result, attempts } = outcome;
      if (result.kind === 'accepted') continue;
      if (end.counted === 'unknown') {
        this.logger.warn(
          { sendId: m.sendId, storeId: m.storeId, reason: result.reason },
          'send left unknown: answer lost, no webhook',
        );
      }
      this.logger.info(
        {
          sendId: m.sendId,
          storeId: m.storeId,
          phone: maskPhone(m.phone),
          result: result.kind,
          code: result.code,
          attempts,
        },
        'send not accepted',
      );
    }

    const optingOut = ends.filter((e) => e.end.optsOut).map((e) => e.message);
    const optOutputs: OutgoingRecord[] = [];
    if (optingOut.length > 0) {
      const fresh = await this.optOuts.record(
        optingOut.map((m) => ({ storeId: m.storeId, phone: m.phone, at: now, source: 'graph-131050' })),
      );
      for (const o of fresh) optOutputs.push(optOutRecord(topic, { ...o, at: now }));
      this.metrics.optOuts.inc({ source: 'graph-131050' }, fresh.length);
    }
    const pauses = new Map<string, { code: number; reason: string }>();
    for (const { message: m, end } of ends)
      if (end.pausesStore && !pauses.has(m.storeId)) pauses.set(m.storeId, end.pausesStore);
    for (const [storeId, p] of pauses) await this.pause(storeId, p.code, p.reason);

    // A message a rejected token holds keeps its send-due, for the deferral loop to send it later.
    const held = new Map(
      ends.flatMap(({ message: m, end }) => (end.pausesStore && m.sendDue ? [[m.sendId, m.sendDue] as const] : [])),
    );
    const moved = await this.messages.settle(
      ends.map((e) => e.end.settlement),
      held,
    );
    await this.contacts.release(ends.filter((e) => e.end.releasesSlot).map((e) => e.message));
    // A `sent` webhook that beat the HTTP answer has announced it already: announce once.
    const outputs = ends.flatMap(({ message: m, end }) =>
      end.outcome && (!end.announcedIfMoved || moved.has(m.sendId)) ? [outcomeRecordOf(topic, end.outcome)] : [],
    );
    return [...outputs, ...optOutputs];
  }

  private async pause(storeId: string, code: number, reason: string): Promise<void> {
    const stores = await this.settings.ofStores([storeId]);
    const token = stores.get(storeId)?.settings.whatsapp.accessToken;
    if (await this.settings.pause(storeId, token, `${code}: ${reason}`)) {
      this.metrics.storePaused.inc({ store_id: storeId, code: String(code) });
      this.metrics.storesPaused.set((await this.settings.pausedStores()).length);
      // One line an operator can alert on; the token itself is never logged.
      this.logger.error(
        { alert: 'store-paused', storeId, code, reason },
        'store paused: WhatsApp rejected its access token or account; its messages wait for new settings',
      );
    }
  }

  /**
   * Marks intents called in groups: one UPDATE at a time, carrying every call that became
   * ready meanwhile (a few ms apart at most), so the fence costs a handful of statements per
   * second instead of one per message.
   */
  private markCalled(sendId: string): Promise<boolean> {
    return new Promise((resolve, reject) => {
      const waiters = this.calledMarks.get(sendId) ?? [];
      waiters.push({ resolve, reject });
      this.calledMarks.set(sendId, waiters);
      if (!this.marking) this.marksTimer ??= setTimeout(() => void this.flushCalledMarks(), 2);
    });
  }

  /**
   * The mark, tried again while the database is unreachable (a restart takes seconds). An
   * error leaves it unknown whether the UPDATE committed; a mark that committed and was never
   * followed by its call would leave the message neither sent nor taken over. The UPDATE is
   * idempotent, so trying again settles which.
   */
  private async markCalledPersistently(sendIds: string[]): Promise<Set<string>> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.messages.markCalled(sendIds);
      } catch (error) {
        if (attempt >= MARK_RETRY_DELAYS_MS.length) throw error;
        this.logger.warn({ err: error, count: sendIds.length }, 'recording calls failed, trying again');
        await new Promise((resolve) => setTimeout(resolve, MARK_RETRY_DELAYS_MS[attempt]));
      }
    }
  }

  private async flushCalledMarks(): Promise<void> {
    this.marksTimer = undefined;
    this.marking = true;
    try {
      while (this.calledMarks.size > 0) {
        const marks = this.calledMarks;
        this.calledMarks = new Map();
        try {
          const owned = await this.markCalledPersistently([...marks.keys()]);
          for (const [sendId, waiters] of marks) for (const w of waiters) w.resolve(owned.has(sendId));
        } catch (error) {
          for (const waiters of marks.values()) for (const w of waiters) w.reject(error);
        }
      }
    } finally {
      this.marking = false;
    }
  }
}

const MARK_RETRY_DELAYS_MS = [100, 250, 500, 1000, 2000, 4000, 8000, 15_000];
