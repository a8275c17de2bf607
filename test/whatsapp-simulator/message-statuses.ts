import type { Faults } from './faults';
import type { PendingWork } from './pending-work';
import type { AcceptedMessage, StatusName, WebhookDelivery } from './record';
import type { WebhookSettings } from './settings';
import type { ShopperIdentity } from './shopper-identities';
import { statusWebhook, type BusinessNumber } from './webhook-payloads';
import type { WebhookOutbox } from './webhook-outbox';

export interface MessageStatusesDeps {
  settings: () => WebhookSettings;
  faults: Faults;
  outbox: WebhookOutbox;
  pending: PendingWork;
  businessNumber: (phoneNumberId: string) => BusinessNumber;
  /** How the webhooks name the recipient (BSUID, phone withheld…); default: the phone only. */
  identityOf?: (waId: string, business: BusinessNumber) => ShopperIdentity;
  clock: () => number;
  random: () => number;
}

/**
 * What happens to a message after Meta accepted it: `sent`, `delivered`, `read` on their
 * delays (sometimes twice, sometimes read before delivered, when configured), or `failed`
 * for recipients set to fail after acceptance.
 */
export class MessageStatuses {
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(private readonly deps: MessageStatusesDeps) {}

  followAcceptance(message: AcceptedMessage): void {
    const { statuses, delaysMs, duplicateProbability, outOfOrderProbability } = this.deps.settings();
    const failureCode = this.deps.faults.failureAfterAccept(message.waId);
    if (failureCode !== undefined) {
      this.schedule(message, 'failed', delaysMs.sent, failureCode);
      return;
    }
    const plan = statuses.map((status) => ({ status, delay: delaysMs[status] }));
    const delivered = plan.find((p) => p.status === 'delivered');
    const read = plan.find((p) => p.status === 'read');
    if (delivered && read && this.deps.random() < outOfOrderProbability) {
      [delivered.delay, read.delay] = [read.delay, delivered.delay];
    }
    for (const { status, delay } of plan) {
      this.schedule(message, status, delay);
      if (this.deps.random() < duplicateProbability)
        this.schedule(message, status, delay + 1 + this.deps.random() * 50);
    }
  }

  /** Records the status now and sends its webhook; resolves when the webhook is settled. */
  emit(message: AcceptedMessage, status: StatusName, errorCode?: number): Promise<WebhookDelivery | undefined> {
    const at = this.deps.clock();
    message.statuses.push(errorCode === undefined ? { status, at } : { status, at, errorCode });
    const business = this.deps.businessNumber(message.phoneNumberId);
    const identity = this.deps.identityOf?.(message.waId, business) ?? { waId: message.waId };
    const payload = statusWebhook(business, message, status, at, errorCode, identity);
    return this.deps.outbox.deliver({ kind: 'status', wamid: message.wamid, status }, payload);
  }

  close(): void {
    for (const timer of this.timers) {
      clearTimeout(timer);
      this.deps.pending.end();
    }
    this.timers.clear();
  }

  private schedule(message: AcceptedMessage, status: StatusName, delayMs: number, errorCode?: number): void {
    this.deps.pending.begin();
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      void this.emit(message, status, errorCode);
      this.deps.pending.end();
    }, delayMs);
    this.timers.add(timer);
  }
}
