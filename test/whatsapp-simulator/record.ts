import type { TemplateCategory } from './approved-templates';
import { toWaId } from './send-request';

/**
 * What the simulator saw and did, for tests to assert on: every send attempt (refused ones
 * too), every accepted message with its status history, every webhook delivery. Times are
 * epoch milliseconds from the simulator's clock.
 */

export type Endpoint = 'messages' | 'marketing_messages';
export type StatusName = 'sent' | 'delivered' | 'read' | 'failed';

export type AttemptOutcome =
  /** Still being handled (held by a stall or latency). */
  | 'pending'
  | 'accepted'
  /** Answered with a Graph API error. */
  | 'refused'
  /** Never answered, never processed (stall without end, injected hang). */
  | 'hung'
  /** Connection dropped without an answer, never processed. */
  | 'reset'
  /** Processed and accepted, but the answer was never sent. */
  | 'answer-lost';

export interface SendAttempt {
  seq: number;
  receivedAt: number;
  answeredAt?: number;
  path: string;
  apiVersion: string;
  phoneNumberId: string;
  endpoint: Endpoint;
  /** `to` as sent, when the body had one. */
  to?: string;
  /** The parsed JSON body, or the raw text when it was not JSON. */
  body: unknown;
  outcome: AttemptOutcome;
  httpStatus?: number;
  errorCode?: number;
  wamid?: string;
  /** The injected fault that shaped this attempt, if any. */
  fault?: 'fail-next' | 'random' | 'stall';
}

export interface StatusEvent {
  status: StatusName;
  at: number;
  errorCode?: number;
}

export interface AcceptedMessage {
  wamid: string;
  phoneNumberId: string;
  endpoint: Endpoint;
  apiVersion: string;
  to: string;
  waId: string;
  type: 'template' | 'text';
  templateName?: string;
  language?: string;
  text?: string;
  bizOpaqueCallbackData?: string;
  /** Pricing category the status webhooks report. */
  category: Lowercase<TemplateCategory> | 'service';
  acceptedAt: number;
  attemptSeq: number;
  body: unknown;
  /** Statuses as the simulator emitted them (duplicates and out-of-order included). */
  statuses: StatusEvent[];
  /** Held back as a paced template (the answer's message_status); released by a status sent for it. */
  paced?: 'held_for_quality_assessment' | 'paused';
}

export interface WebhookAttempt {
  at: number;
  httpStatus?: number;
  error?: string;
}

export interface WebhookDelivery {
  seq: number;
  kind: 'status' | 'inbound' | 'template' | 'account';
  /** The message the webhook is about (the status's message, or the inbound message). */
  wamid: string;
  status?: StatusName;
  createdAt: number;
  attempts: WebhookAttempt[];
  outcome: 'pending' | 'delivered' | 'gave-up' | 'cancelled';
}

export interface MessageFilter {
  phoneNumberId?: string;
  to?: string;
  bizOpaqueCallbackData?: string;
  wamid?: string;
  /** Only those at or after this time (ms). */
  since?: number;
}

export interface PhoneNumberStats {
  attempts: number;
  accepted: number;
  /** Most attempts that reached this number in any 1,000 ms window (arrival times). */
  peakAttemptsPerSecond: number;
  /** Most messages accepted in any 1,000 ms window. */
  peakAcceptedPerSecond: number;
}

export interface RecordStats {
  attempts: number;
  accepted: number;
  outcomes: Partial<Record<AttemptOutcome, number>>;
  /** Refusals by Graph error code. */
  refusedByCode: Record<string, number>;
  phoneNumbers: Record<string, PhoneNumberStats>;
  webhooks: Partial<Record<WebhookDelivery['outcome'], number>>;
}

export class SimulatorRecord {
  private attemptList: SendAttempt[] = [];
  private messageList: AcceptedMessage[] = [];
  private readonly messagesById = new Map<string, AcceptedMessage>();
  private webhookList: WebhookDelivery[] = [];
  private seq = 0;

  get attempts(): readonly SendAttempt[] {
    return this.attemptList;
  }

  get messages(): readonly AcceptedMessage[] {
    return this.messageList;
  }

  get webhooks(): readonly WebhookDelivery[] {
    return this.webhookList;
  }

  beginAttempt(attempt: Omit<SendAttempt, 'seq' | 'outcome' | 'body'>): SendAttempt {
    const recorded: SendAttempt = { seq: ++this.seq, outcome: 'pending', body: undefined, ...attempt };
    this.attemptList.push(recorded);
    return recorded;
  }

  addMessage(message: AcceptedMessage): void {
    this.messageList.push(message);
    this.messagesById.set(message.wamid, message);
  }

  message(wamid: string): AcceptedMessage | undefined {
    return this.messagesById.get(wamid);
  }

  /** The last message sent to this shopper, e.g. to know which business number they reply to. */
  lastMessageTo(waId: string): AcceptedMessage | undefined {
    for (let i = this.messageList.length - 1; i >= 0; i--) {
      if (this.messageList[i].waId === waId) return this.messageList[i];
    }
    return undefined;
  }

  addWebhook(delivery: Omit<WebhookDelivery, 'seq' | 'attempts' | 'outcome'>): WebhookDelivery {
    const recorded: WebhookDelivery = { seq: ++this.seq, attempts: [], outcome: 'pending', ...delivery };
    this.webhookList.push(recorded);
    return recorded;
  }

  findMessages(filter: MessageFilter = {}): AcceptedMessage[] {
    const waId = filter.to === undefined ? undefined : toWaId(filter.to);
    return this.messageList.filter(
      (m) =>
        (filter.phoneNumberId === undefined || m.phoneNumberId === filter.phoneNumberId) &&
        (waId === undefined || m.waId === waId) &&
        (filter.bizOpaqueCallbackData === undefined || m.bizOpaqueCallbackData === filter.bizOpaqueCallbackData) &&
        (filter.wamid === undefined || m.wamid === filter.wamid) &&
        (filter.since === undefined || m.acceptedAt >= filter.since),
    );
  }

  findAttempts(filter: MessageFilter = {}): SendAttempt[] {
    const waId = filter.to === undefined ? undefined : toWaId(filter.to);
    return this.attemptList.filter(
      (a) =>
        (filter.phoneNumberId === undefined || a.phoneNumberId === filter.phoneNumberId) &&
        (waId === undefined || (a.to !== undefined && toWaId(a.to) === waId)) &&
        (filter.bizOpaqueCallbackData === undefined || callbackDataOf(a.body) === filter.bizOpaqueCallbackData) &&
        (filter.wamid === undefined || a.wamid === filter.wamid) &&
        (filter.since === undefined || a.receivedAt >= filter.since),
    );
  }

  stats(): RecordStats {
    const stats: RecordStats = {
      attempts: this.attemptList.length,
      accepted: this.messageList.length,
      outcomes: {},
      refusedByCode: {},
      phoneNumbers: {},
      webhooks: {},
    };
    const arrivals = new Map<string, number[]>();
    const acceptances = new Map<string, number[]>();
    for (const a of this.attemptList) {
      stats.outcomes[a.outcome] = (stats.outcomes[a.outcome] ?? 0) + 1;
      if (a.errorCode !== undefined) stats.refusedByCode[a.errorCode] = (stats.refusedByCode[a.errorCode] ?? 0) + 1;
      push(arrivals, a.phoneNumberId, a.receivedAt);
    }
    for (const m of this.messageList) push(acceptances, m.phoneNumberId, m.acceptedAt);
    for (const [phoneNumberId, times] of arrivals) {
      const accepted = acceptances.get(phoneNumberId) ?? [];
      stats.phoneNumbers[phoneNumberId] = {
        attempts: times.length,
        accepted: accepted.length,
        peakAttemptsPerSecond: peakPerSecond(times),
        peakAcceptedPerSecond: peakPerSecond(accepted),
      };
    }
    for (const w of this.webhookList) stats.webhooks[w.outcome] = (stats.webhooks[w.outcome] ?? 0) + 1;
    return stats;
  }

  clear(): void {
    this.attemptList = [];
    this.messageList = [];
    this.messagesById.clear();
    this.webhookList = [];
  }
}

function callbackDataOf(body: unknown): unknown {
  return typeof body === 'object' && body !== null
    ? (body as Record<string, unknown>).biz_opaque_callback_data
    : undefined;
}

function push(map: Map<string, number[]>, key: string, value: number): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

/** Most events in any window [t, t + 1000) — two pointers over the sorted times. */
export function peakPerSecond(times: readonly number[]): number {
  const sorted = [...times].sort((a, b) => a - b);
  let peak = 0;
  let start = 0;
  for (let end = 0; end < sorted.length; end++) {
    while (sorted[end] - sorted[start] >= 1000) start++;
    peak = Math.max(peak, end - start + 1);
  }
  return peak;
}
