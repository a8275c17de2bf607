import { Pool } from 'undici';
import { PACED_STATUSES, type DeliveryResult, type PacedStatus, type TransientFailure } from './delivery-result';
import { classifyGraphError } from './graph-errors';
import {
  graphMessageBody,
  sendPath,
  type MarketingSendOptions,
  type TextMessage,
  type TemplateMessage,
} from './messages';

export interface WhatsAppClientOptions {
  /** Graph API origin (and optional path prefix), e.g. https://graph.facebook.com or the simulator's URL. */
  baseUrl: string;
  /** e.g. `v26.0`. */
  graphApiVersion: string;
  /** What sends on `/marketing_messages` add (the product policy; the time-to-live is the template's). */
  marketing?: MarketingSendOptions;
  /** Whole request, connection to last byte of the answer. */
  timeoutMs: number;
  /** Keep-alive connections to the Graph API, shared by every store and partition. */
  connections: number;
}

export interface SendRequest {
  phoneNumberId: string;
  /** The store's token: sent as the bearer, never logged nor put into a result. */
  accessToken: string;
  /** The shopper's phone, E.164 (`+34600111222`) or digits. */
  to: string;
  body: TextMessage | TemplateMessage;
  /**
   * The `sendId`: echoed in the status webhooks, how a send whose answer was lost is settled.
   * Not sent on `/marketing_messages` (Meta's body there does not take it).
   */
  bizOpaqueCallbackData: string;
}

/** Network failures that happen before the request could reach Meta: safe to send again. */
const NOT_SENT_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_CONNECT_TIMEOUT',
]);

/**
 * One call to the Cloud API send endpoint per `send()`, no retries here (the caller owns
 * retries, because only it can settle an ambiguous answer from the status webhooks first).
 * Keep-alive connections through one undici pool. Never throws for API or network failures:
 * every ending is a DeliveryResult.
 */
export class WhatsAppClient {
  private readonly pool: Pool;
  private readonly basePath: string;

  constructor(private readonly options: WhatsAppClientOptions) {
    const url = new URL(options.baseUrl);
    this.basePath = url.pathname;
    this.pool = new Pool(url.origin, {
      connections: options.connections,
      pipelining: 1,
      keepAliveTimeout: 30_000,
      keepAliveMaxTimeout: 120_000,
      connect: { timeout: Math.min(options.timeoutMs, 10_000) },
      headersTimeout: options.timeoutMs,
      bodyTimeout: options.timeoutMs,
    });
  }

  async send(request: SendRequest): Promise<DeliveryResult> {
    const path = sendPath(this.basePath, this.options.graphApiVersion, request.phoneNumberId, request.body);
    const payload = JSON.stringify(
      graphMessageBody(request.to, request.body, request.bizOpaqueCallbackData, this.options.marketing),
    );
    let statusCode: number;
    let text: string;
    let retryAfterHeader: string | string[] | undefined;
    try {
      const answer = await this.pool.request({
        method: 'POST',
        path,
        headers: { authorization: `Bearer ${request.accessToken}`, 'content-type': 'application/json' },
        body: payload,
        signal: AbortSignal.timeout(this.options.timeoutMs),
      });
      statusCode = answer.statusCode;
      retryAfterHeader = answer.headers['retry-after'];
      text = await answer.body.text();
    } catch (error) {
      return networkFailure(error);
    }

    const json = parseJson(text);
    if (statusCode >= 200 && statusCode < 300) {
      const id = acceptedMessageId(json);
      if (id) {
        const paced = pacedStatusOf(json);
        return paced ? { kind: 'accepted', whatsappMessageId: id, paced } : { kind: 'accepted', whatsappMessageId: id };
      }
      // A 2xx without a message id: it may well have been accepted.
      return { kind: 'transient', reason: `HTTP ${statusCode} without a message id`, ambiguous: true };
    }
    const failure = classifyGraphError(statusCode, json ?? text);
    const retryAfterMs = parseRetryAfter(retryAfterHeader);
    if (failure.kind === 'transient' && retryAfterMs !== undefined) {
      return { ...failure, retryAfterMs: Math.max(retryAfterMs, failure.retryAfterMs ?? 0) };
    }
    return failure;
  }

  async close(): Promise<void> {
    await this.pool.close();
  }
}

function networkFailure(error: unknown): TransientFailure {
  const code = errorCode(error);
  // Duck-typed: errors from undici or AbortSignal may come from another realm (DOMException).
  const name = typeof (error as { name?: unknown })?.name === 'string' ? (error as { name: string }).name : '';
  if (code && NOT_SENT_CODES.has(code)) return { kind: 'transient', reason: `network: ${code}` };
  if (name === 'TimeoutError' || code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT') {
    return { kind: 'transient', reason: 'timeout: no answer in time', ambiguous: true };
  }
  // Connection reset or closed mid-request: Meta may have processed it.
  return { kind: 'transient', reason: `network: ${code ?? (name || 'error')}`, ambiguous: true };
}

function errorCode(error: unknown): string | undefined {
  for (let e: unknown = error, depth = 0; e && depth < 4; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') return code;
  }
  return undefined;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function acceptedMessageId(json: unknown): string | undefined {
  const messages = (json as { messages?: Array<{ id?: unknown }> } | undefined)?.messages;
  const id = Array.isArray(messages) ? messages[0]?.id : undefined;
  return typeof id === 'string' && id.length > 0 ? id : undefined;
}

/** `messages[0].message_status` when it says Meta holds the message (a paced template); `accepted` or absent: undefined. */
function pacedStatusOf(json: unknown): PacedStatus | undefined {
  const status = (json as { messages?: Array<{ message_status?: unknown }> } | undefined)?.messages?.[0]
    ?.message_status;
  return (PACED_STATUSES as readonly unknown[]).includes(status) ? (status as PacedStatus) : undefined;
}

function parseRetryAfter(header: string | string[] | undefined): number | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return Math.min(seconds * 1000, 3_600_000);
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, Math.min(at - Date.now(), 3_600_000));
}
