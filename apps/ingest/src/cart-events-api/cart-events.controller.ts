import {
  BadRequestException,
  Body,
  Controller,
  HttpCode,
  Post,
  Res,
  ServiceUnavailableException,
  UseGuards,
} from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { TOPIC } from '@lib/contracts';
import { KafkaService } from '@lib/kafka';
import { ApiKeyGuard } from '@lib/runtime';
import { IngestMetrics } from '../ingest.metrics';
import { IntakeContext } from '../raw-events/intake-context';
import { answerCartEvents } from './answer-cart-events';
import { publishOrUnavailable } from './publish';

/**
 * `POST /v1/cart-events`: platforms push canonical events over HTTP. The answer names, per
 * event, accepted or rejected with the reason; it is sent only once Kafka has acknowledged
 * every accepted event, so a 2xx means nothing accepted can be lost.
 */
@Controller('v1/cart-events')
@UseGuards(ApiKeyGuard)
export class CartEventsController {
  constructor(
    private readonly kafka: KafkaService,
    private readonly intake: IntakeContext,
    private readonly metrics: IngestMetrics,
  ) {}

  @Post()
  @HttpCode(200)
  async post(@Body() body: unknown, @Res({ passthrough: true }) reply: FastifyReply) {
    if (!this.intake.ready) throw new ServiceUnavailableException('store settings not read yet; try again');
    const decision = answerCartEvents(body, this.intake.at(), this.kafka.topic(TOPIC.cartEvents));
    if (!decision.ok) throw new BadRequestException(decision.error);
    await publishOrUnavailable(this.kafka, decision.outputs);
    const { answer } = decision;
    this.metrics.cartEvents.inc({ input: 'http', outcome: 'accepted' }, answer.accepted);
    for (const r of answer.results) {
      if (r.status === 'rejected') this.metrics.cartEvents.inc({ input: 'http', outcome: `rejected-${r.reason}` });
      else if (r.phoneProblem) this.metrics.unreachableCustomers.inc({ reason: r.phoneProblem });
    }
    // Nothing accepted: the request as a whole failed, and says why per event.
    if (answer.accepted === 0) void reply.status(422);
    return answer;
  }
}
