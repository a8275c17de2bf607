import { toWaId } from './send-request';

/**
 * The trouble a test can order from the simulator: a real Cloud API has outages, slow spells,
 * lost answers, revoked tokens and recipients who are not on WhatsApp. Everything here is
 * state plus decisions; the Graph API route acts on them.
 */

/** How one send request goes wrong. */
export type InjectedFailure =
  /** Answer with Meta's error JSON for this code (HTTP status from Meta's table unless given). */
  | { kind: 'error'; code: number; httpStatus?: number; details?: string }
  /** Never answer and do not process: Meta never got it; the client times out. */
  | { kind: 'hang' }
  /** Process the request (accept the message, send its webhooks) but never answer: the answer is lost. */
  | { kind: 'lose-answer' }
  /** Drop the connection without an answer, before processing. */
  | { kind: 'reset' };

export interface FailNext {
  count: number;
  failure: InjectedFailure;
  /** Only requests for this business phone number; all when absent. */
  phoneNumberId?: string;
}

export interface RandomFailures {
  /** Chance (0..1) that a request fails. */
  probability: number;
  /** One is picked at random per failing request. Default: 500/131000 and 503/131016. */
  failures?: InjectedFailure[];
}

export interface Stall {
  /** How long the stall lasts from the moment it is ordered. */
  forMs: number;
  /** Each request arriving during the stall is held this long, then handled normally. Absent: held until the client gives up. */
  holdMs?: number;
}

/** A recipient whose messages are accepted and then fail, as a `failed` status webhook. */
export interface FailsAfterAccept {
  to: string;
  /** 131049 (Meta chose not to deliver) by default; 131026 (undeliverable) is the other common one. */
  code?: number;
}

export type WebhookSignatureFault = 'invalid' | 'missing';

/** Everything at once, as `POST /_simulator/faults` takes it. Lists add to what is there. */
export interface FaultOrder {
  failNext?: FailNext | FailNext[];
  random?: RandomFailures | null;
  stall?: Stall | null;
  notOnWhatsApp?: string[];
  failAfterAccept?: FailsAfterAccept[];
  revokeTokens?: string[];
  restoreTokens?: string[];
  webhookSignature?: WebhookSignatureFault | null;
}

const DEFAULT_RANDOM_FAILURES: InjectedFailure[] = [
  { kind: 'error', code: 131000, httpStatus: 500 },
  { kind: 'error', code: 131016, httpStatus: 503 },
];

export type FaultDecision = { failure: InjectedFailure; source: 'fail-next' | 'random' } | undefined;

export class Faults {
  private failNextQueue: FailNext[] = [];
  private random: RandomFailures | undefined;
  private stallWindow: { until: number; holdMs?: number } | undefined;
  private readonly notOnWhatsAppIds = new Set<string>();
  private readonly failsAfterAccept = new Map<string, number>();
  private readonly revoked = new Set<string>();
  private signature: WebhookSignatureFault | undefined;

  constructor(
    private readonly clock: () => number,
    private readonly chance: () => number = Math.random,
  ) {}

  /** The next `count` requests (for `phoneNumberId`, if given) fail with `failure`. */
  failNext(count: number, failure: InjectedFailure, phoneNumberId?: string): void {
    if (!Number.isInteger(count) || count < 1) throw new Error('failNext: count must be a positive integer');
    checkFailure(failure);
    this.failNextQueue.push({ count, failure, phoneNumberId });
  }

  /** From now on each request fails with `probability`; `null`/0 stops it. */
  failRandomly(random: RandomFailures | null): void {
    if (random && (random.probability < 0 || random.probability > 1)) {
      throw new Error('failRandomly: probability must be between 0 and 1');
    }
    random?.failures?.forEach(checkFailure);
    this.random = random && random.probability > 0 ? random : undefined;
  }

  stall(stall: Stall | null): void {
    if (stall && !(stall.forMs > 0)) throw new Error('stall: forMs must be positive');
    this.stallWindow = stall ? { until: this.clock() + stall.forMs, holdMs: stall.holdMs } : undefined;
  }

  /** Sends to these numbers are refused at once with 131026. */
  notOnWhatsApp(...numbers: string[]): void {
    for (const n of numbers) this.notOnWhatsAppIds.add(toWaId(n));
  }

  /** Sends to this number are accepted, then reported `failed` with `code` by webhook. */
  failAfterAccept(to: string, code = 131049): void {
    this.failsAfterAccept.set(toWaId(to), code);
  }

  /** From now on this access token answers 190, as when a merchant's token is revoked. */
  revokeToken(token: string): void {
    this.revoked.add(token);
  }

  restoreToken(token: string): void {
    this.revoked.delete(token);
  }

  /** Status and reply webhooks go out with a wrong signature, or none. */
  corruptWebhookSignatures(fault: WebhookSignatureFault | null): void {
    this.signature = fault ?? undefined;
  }

  apply(order: FaultOrder): void {
    const failNext = order.failNext === undefined ? [] : [order.failNext].flat();
    for (const f of failNext) this.failNext(f.count, f.failure, f.phoneNumberId);
    if (order.random !== undefined) this.failRandomly(order.random);
    if (order.stall !== undefined) this.stall(order.stall);
    this.notOnWhatsApp(...(order.notOnWhatsApp ?? []));
    for (const f of order.failAfterAccept ?? []) this.failAfterAccept(f.to, f.code);
    for (const t of order.revokeTokens ?? []) this.revokeToken(t);
    for (const t of order.restoreTokens ?? []) this.restoreToken(t);
    if (order.webhookSignature !== undefined) this.corruptWebhookSignatures(order.webhookSignature);
  }

  clear(): void {
    this.failNextQueue = [];
    this.random = undefined;
    this.stallWindow = undefined;
    this.notOnWhatsAppIds.clear();
    this.failsAfterAccept.clear();
    this.revoked.clear();
    this.signature = undefined;
  }

  /** How long to hold a request arriving now: `undefined` none, `Infinity` until the client gives up. */
  stallHold(now: number): number | undefined {
    if (!this.stallWindow) return undefined;
    if (now >= this.stallWindow.until) {
      this.stallWindow = undefined;
      return undefined;
    }
    return this.stallWindow.holdMs ?? Infinity;
  }

  /** Takes the failure, if any, ordered for this request. */
  decide(phoneNumberId: string): FaultDecision {
    const queued = this.failNextQueue.find((f) => f.phoneNumberId === undefined || f.phoneNumberId === phoneNumberId);
    if (queued) {
      queued.count -= 1;
      if (queued.count === 0) this.failNextQueue.splice(this.failNextQueue.indexOf(queued), 1);
      return { failure: queued.failure, source: 'fail-next' };
    }
    if (this.random && this.chance() < this.random.probability) {
      const failures = this.random.failures?.length ? this.random.failures : DEFAULT_RANDOM_FAILURES;
      return { failure: failures[Math.floor(this.chance() * failures.length)], source: 'random' };
    }
    return undefined;
  }

  isNotOnWhatsApp(waId: string): boolean {
    return this.notOnWhatsAppIds.has(waId);
  }

  failureAfterAccept(waId: string): number | undefined {
    return this.failsAfterAccept.get(waId);
  }

  isRevoked(token: string): boolean {
    return this.revoked.has(token);
  }

  get webhookSignature(): WebhookSignatureFault | undefined {
    return this.signature;
  }

  /** What is in force, for `GET /_simulator/faults`. */
  describe(): object {
    const now = this.clock();
    return {
      failNext: this.failNextQueue,
      random: this.random ?? null,
      stall:
        this.stallWindow && now < this.stallWindow.until
          ? { remainingMs: this.stallWindow.until - now, holdMs: this.stallWindow.holdMs ?? null }
          : null,
      notOnWhatsApp: [...this.notOnWhatsAppIds],
      failAfterAccept: [...this.failsAfterAccept].map(([to, code]) => ({ to, code })),
      revokedTokens: [...this.revoked].map((t) => `${t.slice(0, 4)}…`),
      webhookSignature: this.signature ?? null,
    };
  }
}

function checkFailure(failure: InjectedFailure): void {
  const kinds = ['error', 'hang', 'lose-answer', 'reset'];
  if (!failure || !kinds.includes(failure.kind)) {
    throw new Error(`failure.kind must be one of ${kinds.join(', ')}`);
  }
  if (failure.kind === 'error' && !Number.isInteger(failure.code)) throw new Error('failure.code must be an integer');
}
