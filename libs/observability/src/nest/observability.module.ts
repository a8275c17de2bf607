import { DynamicModule, Global, Module } from '@nestjs/common';
import type { Logger } from 'pino';
import type { Metrics } from '../metrics';
import { Readiness } from '../readiness';
import { HealthController } from './health.controller';
import { LOGGER, METRICS } from './tokens';

/** Logger, metrics and readiness for the whole app; /health and /metrics over HTTP. */
@Global()
@Module({})
export class ObservabilityModule {
  static forRoot(opts: { logger: Logger; metrics: Metrics; readiness: Readiness }): DynamicModule {
    return {
      module: ObservabilityModule,
      controllers: [HealthController],
      providers: [
        { provide: LOGGER, useValue: opts.logger },
        { provide: METRICS, useValue: opts.metrics },
        { provide: Readiness, useValue: opts.readiness },
      ],
      exports: [LOGGER, METRICS, Readiness],
    };
  }
}
