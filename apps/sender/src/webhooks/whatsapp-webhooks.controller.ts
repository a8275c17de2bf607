import { Controller, Get, HttpCode, Inject, Post, Query, RawBodyRequest, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { createHash, timingSafeEqual } from 'node:crypto';
import type { SenderConfig } from '../config';
import { SenderMetrics } from '../sender.metrics';
import { SENDER_CONFIG } from '../tokens';
import { hasValidSignature } from './webhook-signature';
import { WhatsAppWebhooks } from './whatsapp-webhooks';

/** The URL configured in the Meta app: the verification handshake and signed notifications. */
@Controller('v1/webhooks/whatsapp')
export class WhatsAppWebhooksController {
  constructor(
    private readonly webhooks: WhatsAppWebhooks,
    private readonly metrics: SenderMetrics,
    @Inject(SENDER_CONFIG) private readonly config: SenderConfig,
  ) {}

  /** Meta's handshake: echo hub.challenge when hub.verify_token is ours, 403 otherwise. */
  @Get()
  async verify(@Query() query: Record<string, string | undefined>, @Res() reply: FastifyReply): Promise<void> {
    const expected = this.config.WHATSAPP_VERIFY_TOKEN;
    const ok = !!expected && query['hub.mode'] === 'subscribe' && sameSecret(query['hub.verify_token'] ?? '', expected);
    if (!ok) {
      await reply.status(403).send({ error: 'verification failed' });
      return;
    }
    await reply
      .status(200)
      .header('content-type', 'text/plain')
      .send(query['hub.challenge'] ?? '');
  }

  /** 401 before anything is read when the signature is missing or wrong: nothing changes. */
  @Post()
  @HttpCode(200)
  async receive(@Req() request: RawBodyRequest<FastifyRequest>, @Res() reply: FastifyReply): Promise<void> {
    const header = request.headers['x-hub-signature-256'];
    const raw = request.rawBody;
    const secret = this.config.WHATSAPP_APP_SECRET;
    if (!raw || !secret || !hasValidSignature(raw, Array.isArray(header) ? header[0] : header, secret)) {
      this.metrics.webhooksRejected.inc({ reason: header ? 'bad-signature' : 'missing-signature' });
      await reply.status(401).send({ error: 'invalid signature' });
      return;
    }
    await this.webhooks.receive(request.body);
    await reply.status(200).send({ ok: true });
  }
}

function sameSecret(a: string, b: string): boolean {
  const digest = (s: string) => createHash('sha256').update(s).digest();
  return timingSafeEqual(digest(a), digest(b));
}
