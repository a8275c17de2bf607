import { createHmac } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import { Agent, request } from 'undici';
import type { WebhookSignatureFault } from './faults';
import type { PendingWork } from './pending-work';
import type { SimulatorRecord, WebhookDelivery } from './record';
import type { SimulatorLog, WebhookSettings } from './settings';

/** The header value Meta puts on every webhook POST: HMAC-SHA256 of the raw body with the app secret. */
export function webhookSignature(rawBody: string | Buffer, appSecret: string): string {
  return `sha256=${createHmac('sha256', appSecret).update(rawBody).digest('hex')}`;
}

export interface OutboxDeps {
  settings: () => WebhookSettings;
  signatureFault: () => WebhookSignatureFault | undefined;
  record: SimulatorRecord;
  pending: PendingWork;
  clock: () => number;
  random: () => number;
  log: SimulatorLog;
}

/**
 * Delivers webhooks to the app like Meta does: signed JSON POSTs, retried with exponential
 * backoff until a 2xx, a bounded number of times (Meta keeps trying for days; tests cannot).
 */
export class WebhookOutbox {
  private readonly agent = new Agent({ keepAliveTimeout: 10_000, connections: 64 });
  /** Backoff waits in progress, with how to end them early on close. */
  private readonly retryWaits = new Map<NodeJS.Timeout, (goOn: boolean) => void>();
  // One signal closes every webhook in flight: each request listens on it until it ends, so
  // more than 10 at once is normal here, not the leak node's warning suspects.
  private readonly aborter = unlimitedListeners(new AbortController());
  private closed = false;

  constructor(private readonly deps: OutboxDeps) {}

  /** Sends and retries; resolves with the delivery once it is delivered, given up or cancelled. */
  async deliver(
    about: Pick<WebhookDelivery, 'kind' | 'wamid' | 'status'>,
    payload: object,
  ): Promise<WebhookDelivery | undefined> {
    const settings = this.deps.settings();
    if (!settings.url || this.closed) return undefined;
    const delivery = this.deps.record.addWebhook({ ...about, createdAt: this.deps.clock() });
    const body = JSON.stringify(payload);
    this.deps.pending.begin();
    try {
      for (let attempt = 1; ; attempt++) {
        const answer = await this.post(settings.url, body, settings);
        delivery.attempts.push({ at: this.deps.clock(), ...answer });
        if (answer.httpStatus !== undefined && answer.httpStatus >= 200 && answer.httpStatus < 300) {
          delivery.outcome = 'delivered';
          break;
        }
        if (this.closed) {
          delivery.outcome = 'cancelled';
          break;
        }
        if (attempt >= settings.retry.maxAttempts) {
          delivery.outcome = 'gave-up';
          this.deps.log('webhook-gave-up', {
            kind: delivery.kind,
            wamid: delivery.wamid,
            status: delivery.status,
            attempts: attempt,
            ...answer,
          });
          break;
        }
        if (!(await this.backoff(attempt, settings))) {
          delivery.outcome = 'cancelled';
          break;
        }
      }
    } finally {
      this.deps.pending.end();
    }
    return delivery;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.aborter.abort();
    for (const [timer, resolve] of this.retryWaits) {
      clearTimeout(timer);
      resolve(false);
    }
    this.retryWaits.clear();
    await this.agent.destroy().catch(() => undefined);
  }

  private async post(
    url: string,
    body: string,
    settings: WebhookSettings,
  ): Promise<{ httpStatus?: number; error?: string }> {
    const headers: Record<string, string> = { 'content-type': 'application/json', 'user-agent': 'facebookexternalua' };
    const fault = this.deps.signatureFault();
    if (fault !== 'missing') {
      const secret = fault === 'invalid' ? `not-${settings.appSecret}` : settings.appSecret!;
      headers['x-hub-signature-256'] = webhookSignature(body, secret);
      headers['x-hub-signature'] = `sha1=${createHmac('sha1', secret).update(body).digest('hex')}`;
    }
    try {
      const response = await request(url, {
        method: 'POST',
        headers,
        body,
        dispatcher: this.agent,
        headersTimeout: settings.timeoutMs,
        bodyTimeout: settings.timeoutMs,
        signal: this.aborter.signal,
      });
      await response.body.dump();
      return { httpStatus: response.statusCode };
    } catch (error) {
      return { error: (error as Error).message };
    }
  }

  /** Waits before the next try; false when the outbox closed meanwhile. */
  private backoff(attempt: number, settings: WebhookSettings): Promise<boolean> {
    const { firstDelayMs, maxDelayMs } = settings.retry;
    const delay = Math.min(maxDelayMs, firstDelayMs * 2 ** (attempt - 1)) * (0.8 + 0.4 * this.deps.random());
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.retryWaits.delete(timer);
        resolve(!this.closed);
      }, delay);
      this.retryWaits.set(timer, resolve);
    });
  }
}

function unlimitedListeners(controller: AbortController): AbortController {
  setMaxListeners(0, controller.signal);
  return controller;
}
