import { Controller, Get, Header, HttpStatus, Inject, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import type { Metrics } from '../metrics';
import { Readiness } from '../readiness';
import { METRICS } from './tokens';

@Controller()
export class HealthController {
  constructor(
    private readonly readiness: Readiness,
    @Inject(METRICS) private readonly metrics: Metrics,
  ) {}

  /** Liveness: the process answers. Restarting it would not fix a missing dependency. */
  @Get('health/live')
  live() {
    return { status: 'ok' };
  }

  /** Readiness (also at /health): every dependency answers; 503 otherwise. */
  @Get(['health', 'health/ready'])
  async ready(@Res() reply: FastifyReply) {
    const report = await this.readiness.report();
    await reply.status(report.status === 'ok' ? HttpStatus.OK : HttpStatus.SERVICE_UNAVAILABLE).send(report);
  }

  @Get('metrics')
  @Header('Cache-Control', 'no-store')
  async prometheus(@Res() reply: FastifyReply) {
    const body = await this.metrics.registry.metrics();
    await reply.header('Content-Type', this.metrics.registry.contentType).send(body);
  }
}
