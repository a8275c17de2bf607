import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { handleControlRequest } from './control-api';
import { Faults } from './faults';
import { handleGraphRequest } from './graph-api';
import { sendJson } from './http-exchange';
import { MessageStatuses } from './message-statuses';
import { PendingWork } from './pending-work';
import { PairRateLimit, ThroughputLimit } from './rate-limits';
import { SimulatorRecord, type StatusName, type WebhookDelivery } from './record';
import { toWaId } from './send-request';
import {
  applySettingsPatch,
  businessNumber,
  resolveSettings,
  type SettingsPatch,
  type SimulatorOptions,
  type SimulatorSettings,
} from './settings';
import { newWamid } from './wamid';
import { ShopperIdentities } from './shopper-identities';
import { inboundWebhook, marketingTermsSignedWebhook, templateWebhook, type TemplateEvent } from './webhook-payloads';
import { WebhookOutbox } from './webhook-outbox';
import { verifyWebhookSubscription, type WebhookVerificationResult } from './webhook-verification';

/** A shopper writing to the business, e.g. "BAJA" to opt out. */
export interface ShopperReplyOrder {
  from: string;
  /** A typed message. */
  text?: string;
  /** A tap on a quick-reply button instead of typing. */
  button?: { text: string; payload: string };
  /** Profile name in `contacts`; default "Shopper". */
  name?: string;
  /** Which business number receives it; default: the one that last messaged this shopper, else the only one configured. */
  phoneNumberId?: string;
  /** The business message answered (webhook `context`); default: none for text, the last message for a button. */
  inReplyTo?: string;
}

export interface ShopperReplyResult {
  wamid: string;
  phoneNumberId: string;
  /** The webhook delivery, settled (delivered or given up); absent without a webhook URL. */
  delivery?: WebhookDelivery;
}

/** Settings as they can be shown: tokens masked. */
export interface SettingsView extends Omit<SimulatorSettings, 'tokens' | 'webhooks'> {
  tokens: Record<string, string[]>;
  webhooks: Omit<SimulatorSettings['webhooks'], 'appSecret'> & { appSecret?: string };
}

export interface WhatsAppSimulator {
  /** Base URL to use as the Graph API base, e.g. `http://127.0.0.1:8090`. */
  readonly url: string;
  readonly port: number;
  readonly record: SimulatorRecord;
  /** Fault injection: failNext, failRandomly, stall, notOnWhatsApp, failAfterAccept, revokeToken, corruptWebhookSignatures, clear. */
  readonly faults: Faults;
  settings(): SettingsView;
  updateSettings(patch: SettingsPatch): void;
  /** Sends the inbound-message webhook of a shopper's reply; resolves once it is delivered or given up. */
  replyFromShopper(reply: ShopperReplyOrder): Promise<ShopperReplyResult>;
  /** How webhooks name each shopper (BSUID, phone withheld, username, parent id): per shopper or by default. */
  readonly identities: ShopperIdentities;
  /**
   * Sends a template webhook (status update or category change) for a business account
   * (default: the only business number's); a status also applies to the approved templates.
   */
  templateWebhook(event: TemplateEvent, wabaId?: string): Promise<WebhookDelivery | undefined>;
  /**
   * The business account accepts the Marketing Messages API terms: its numbers leave
   * `marketingTermsNotAccepted` and Meta's `account_update` (MM_LITE_TERMS_SIGNED) is sent.
   */
  signMarketingTerms(wabaId?: string): Promise<WebhookDelivery | undefined>;
  /** Sends one more status webhook for an accepted message (late, duplicate, or a failure). */
  sendStatus(wamid: string, status: StatusName, errorCode?: number): Promise<WebhookDelivery | undefined>;
  /** Performs Meta's subscription handshake against the configured webhook URL. */
  verifyWebhook(verifyToken: string, challenge?: string): Promise<WebhookVerificationResult>;
  /** Resolves when no status is scheduled and no webhook is in flight or waiting for a retry. */
  webhooksIdle(): Promise<void>;
  /** Forgets the record, faults and rate-limit history; settings stay. */
  reset(): void;
  close(): Promise<void>;
}

export async function startWhatsAppSimulator(options: SimulatorOptions): Promise<WhatsAppSimulator> {
  const clock = options.clock ?? Date.now;
  const random = options.random ?? Math.random;
  const log = options.log ?? (() => undefined);
  const settings = resolveSettings(options);
  const record = new SimulatorRecord();
  const faults = new Faults(clock, random);
  const throughput = new ThroughputLimit(settings.throughputPerSecond);
  const pairRate = new PairRateLimit(settings.pairRate);
  const pending = new PendingWork();
  const numberOf = (phoneNumberId: string) => businessNumber(options, phoneNumberId);
  const identities = new ShopperIdentities();
  const outbox = new WebhookOutbox({
    settings: () => settings.webhooks,
    signatureFault: () => faults.webhookSignature,
    record,
    pending,
    clock,
    random,
    log,
  });
  const statuses = new MessageStatuses({
    settings: () => settings.webhooks,
    faults,
    outbox,
    pending,
    businessNumber: numberOf,
    identityOf: (waId, business) => identities.of(waId, business.wabaId),
    clock,
    random,
  });

  const held = new Set<ServerResponse>();
  const waits = new Set<NodeJS.Timeout>();
  const graphDeps = {
    settings,
    faults,
    record,
    throughput,
    pairRate,
    statuses,
    clock,
    random,
    log,
    holdOpen(res: ServerResponse) {
      held.add(res);
      res.once('close', () => held.delete(res));
    },
    wait(ms: number): Promise<void> {
      if (!(ms > 0)) return Promise.resolve();
      return new Promise((resolve) => {
        const timer = setTimeout(() => {
          waits.delete(timer);
          resolve();
        }, ms);
        waits.add(timer);
      });
    },
  };

  let closed = false;
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const route = (req.url ?? '').startsWith('/_simulator')
      ? handleControlRequest(req, res, simulator)
      : handleGraphRequest(req, res, graphDeps);
    route.catch((error: Error) => {
      log('simulator-error', { path: req.url, error: error.message });
      sendJson(res, 500, { error: `simulator: ${error.message}` });
    });
  });
  server.keepAliveTimeout = 30_000;
  // Known once listening; the object exists before so no request can find it missing.
  const listening = { url: '', port: 0 };

  const simulator: WhatsAppSimulator = {
    get url() {
      return listening.url;
    },
    get port() {
      return listening.port;
    },
    record,
    faults,
    identities,

    settings() {
      const { appSecret, ...webhooks } = settings.webhooks;
      return {
        ...settings,
        tokens: Object.fromEntries([...settings.tokens].map(([id, set]) => [id, [...set].map(mask)])),
        webhooks: { ...webhooks, ...(appSecret ? { appSecret: mask(appSecret) } : {}) },
      };
    },

    updateSettings(patch) {
      applySettingsPatch(settings, patch);
      throughput.perSecond = settings.throughputPerSecond;
      pairRate.settings = settings.pairRate;
      log('settings', { patch: Object.keys(patch) });
    },

    async replyFromShopper(reply) {
      if (typeof reply.from !== 'string' || reply.from === '') throw new Error('replyFromShopper: from is required');
      const from = toWaId(reply.from);
      const last = record.lastMessageTo(from);
      const configured = [...settings.tokens.keys()].filter((id) => id !== '*');
      const phoneNumberId =
        reply.phoneNumberId ?? last?.phoneNumberId ?? (configured.length === 1 ? configured[0] : undefined);
      if (!phoneNumberId) throw new Error('replyFromShopper: say which phoneNumberId the shopper writes to');
      if (reply.text === undefined && reply.button === undefined) throw new Error('replyFromShopper: text or button');
      const wamid = newWamid(from);
      const inReplyTo = reply.inReplyTo ?? (reply.button ? last?.wamid : undefined);
      const business = numberOf(phoneNumberId);
      const payload = inboundWebhook(
        business,
        {
          from,
          name: reply.name ?? 'Shopper',
          wamid,
          at: clock(),
          text: reply.text,
          button: reply.button,
          inReplyTo,
        },
        identities.of(from, business.wabaId),
      );
      log('inbound', { from, phoneNumberId, wamid, text: reply.text, button: reply.button?.payload });
      const delivery = await outbox.deliver({ kind: 'inbound', wamid }, payload);
      return { wamid, phoneNumberId, ...(delivery ? { delivery } : {}) };
    },

    async templateWebhook(event, wabaId) {
      const configured = [...settings.tokens.keys()].filter((id) => id !== '*');
      const account = wabaId ?? numberOf(configured[0] ?? '').wabaId;
      if (event.kind === 'status') {
        for (const t of (settings.templates ?? []).filter(
          (t) => t.name === event.name && t.language === event.language,
        )) {
          if (['APPROVED', 'PAUSED', 'DISABLED'].includes(event.event)) t.status = event.event as typeof t.status;
        }
      } else if (event.kind === 'category-completed') {
        for (const t of (settings.templates ?? []).filter(
          (t) => t.name === event.name && t.language === event.language,
        )) {
          t.category = event.newCategory as typeof t.category;
        }
      }
      log('template-webhook', { wabaId: account, ...event });
      const wamid = `template:${event.name}:${event.language}`;
      return outbox.deliver({ kind: 'template', wamid }, templateWebhook(account, event, clock()));
    },

    async signMarketingTerms(wabaId) {
      const configured = [...settings.tokens.keys()].filter((id) => id !== '*');
      const account = wabaId ?? numberOf(configured[0] ?? '').wabaId;
      const numbers = new Set(
        [...configured, ...settings.marketingTermsNotAccepted].filter((id) => numberOf(id).wabaId === account),
      );
      settings.marketingTermsNotAccepted = settings.marketingTermsNotAccepted.filter((id) => !numbers.has(id));
      log('account-webhook', { wabaId: account, event: 'MM_LITE_TERMS_SIGNED' });
      const owner = `9${account.slice(1)}`;
      return outbox.deliver(
        { kind: 'account', wamid: `account:${account}:MM_LITE_TERMS_SIGNED` },
        marketingTermsSignedWebhook(account, owner, clock()),
      );
    },

    async sendStatus(wamid, status, errorCode) {
      const message = record.message(wamid);
      if (!message) throw new Error(`sendStatus: no accepted message ${wamid}`);
      return statuses.emit(message, status, errorCode);
    },

    async verifyWebhook(verifyToken, challenge) {
      if (!settings.webhooks.url) throw new Error('verifyWebhook: no webhook URL configured');
      return verifyWebhookSubscription({ url: settings.webhooks.url, verifyToken, challenge });
    },

    webhooksIdle: () => pending.idle(),

    reset() {
      record.clear();
      faults.clear();
      identities.clear();
      throughput.reset();
      pairRate.reset();
      log('reset', {});
    },

    async close() {
      if (closed) return;
      closed = true;
      statuses.close();
      await outbox.close();
      for (const timer of waits) clearTimeout(timer);
      waits.clear();
      for (const res of held) res.destroy();
      const stopped = new Promise((resolve) => server.close(resolve));
      server.closeAllConnections();
      await stopped;
      log('stopped', {});
    },
  };
  server.listen(options.port ?? 0, options.host ?? '127.0.0.1');
  await once(server, 'listening');
  const { port, address } = server.address() as AddressInfo;
  listening.port = port;
  listening.url = `http://${address.includes(':') ? `[${address}]` : address}:${port}`;
  log('listening', { url: simulator.url, webhookUrl: settings.webhooks.url ?? null });
  return simulator;
}

function mask(secret: string): string {
  return secret.length <= 6 ? '…' : `${secret.slice(0, 4)}…`;
}
