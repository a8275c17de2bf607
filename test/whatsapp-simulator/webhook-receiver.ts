import { timingSafeEqual } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { webhookSignature } from './webhook-outbox';

export interface ReceivedWebhook {
  at: number;
  rawBody: string;
  body: unknown;
  signature?: string;
  /** The signature matched the raw body and the app secret. */
  signatureValid: boolean;
  answeredStatus: number;
}

/**
 * A stand-in for the app's webhook endpoint, for the simulator's own tests and for quick
 * checks in the demo: answers the verification handshake, checks `X-Hub-Signature-256` the
 * way the sender must (raw bytes, constant time), and keeps what it received.
 */
export class WebhookReceiver {
  readonly received: ReceivedWebhook[] = [];
  /** HTTP statuses to answer the next POSTs with (then 200), e.g. to exercise retries. */
  readonly answers: number[] = [];
  private server: Server | undefined;
  private waiters: Array<{ count: number; resolve: () => void }> = [];
  url = '';

  constructor(
    private readonly appSecret: string,
    private readonly verifyToken = 'verify-me',
  ) {}

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const url = new URL(req.url ?? '/', 'http://receiver');
        if (req.method === 'GET') {
          const ok =
            url.searchParams.get('hub.mode') === 'subscribe' &&
            url.searchParams.get('hub.verify_token') === this.verifyToken;
          res.writeHead(ok ? 200 : 403, { 'content-type': 'text/plain' });
          res.end(ok ? (url.searchParams.get('hub.challenge') ?? '') : 'forbidden');
          return;
        }
        const raw = Buffer.concat(chunks);
        const signature = req.headers['x-hub-signature-256'] as string | undefined;
        const status = this.answers.shift() ?? 200;
        this.received.push({
          at: Date.now(),
          rawBody: raw.toString('utf8'),
          body: JSON.parse(raw.toString('utf8')),
          signature,
          signatureValid: signature !== undefined && sameText(signature, webhookSignature(raw, this.appSecret)),
          answeredStatus: status,
        });
        res.writeHead(status).end();
        this.waiters = this.waiters.filter((w) => (this.received.length >= w.count ? (w.resolve(), false) : true));
      });
    });
    this.server.listen(0, '127.0.0.1');
    await once(this.server, 'listening');
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/v1/webhooks/whatsapp`;
    return this;
  }

  /** Resolves once `count` POSTs have arrived in total. */
  waitFor(count: number, timeoutMs = 5000): Promise<void> {
    if (this.received.length >= count) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`waited ${timeoutMs} ms for ${count} webhooks, got ${this.received.length}`)),
        timeoutMs,
      );
      this.waiters.push({ count, resolve: () => (clearTimeout(timer), resolve()) });
    });
  }

  async stop(): Promise<void> {
    if (!this.server) return;
    const closed = new Promise((resolve) => this.server!.close(resolve));
    this.server.closeAllConnections();
    await closed;
  }
}

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
