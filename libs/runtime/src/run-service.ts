import 'reflect-metadata';
import { DynamicModule } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { ConfigError } from '@lib/config';
import { createLogger, createMetrics, JsonNestLogger, Readiness, registerReadinessMetrics } from '@lib/observability';
import type { Logger, Metrics } from '@lib/observability';

export interface ServiceParts {
  logger: Logger;
  metrics: Metrics;
  readiness: Readiness;
}

export interface ServiceDefinition<
  C extends { HTTP_PORT: number; HTTP_HOST: string; SHUTDOWN_TIMEOUT_MS: number; LOG_LEVEL: string },
> {
  name: string;
  /** `command`: the one given (`migrate`, …), undefined for the service itself. */
  readConfig(command?: string): C;
  /** The root module, built from the validated configuration. */
  module(config: C, parts: ServiceParts): DynamicModule;
  /** `node main.js migrate`: apply migrations and exit (for deploy pipelines). */
  migrate?(config: C, logger: Logger): Promise<string[]>;
  /** Other one-off commands, `node main.js <name>` (e.g. ingest's `reencrypt-secrets`): run, then exit. */
  commands?: Record<string, (config: C, logger: Logger) => Promise<unknown>>;
}

/**
 * The Nest application of a service, as every service and its in-process tests build it:
 * Fastify with a 2 MiB body limit, raw bodies kept (webhook signatures are computed on them),
 * Nest's own logs as JSON lines, errors thrown instead of exiting.
 */
export function createServiceApp(module: DynamicModule, logger: Logger): Promise<NestFastifyApplication> {
  return NestFactory.create<NestFastifyApplication>(module, new FastifyAdapter({ bodyLimit: 2 * 1024 * 1024 }), {
    logger: new JsonNestLogger(logger),
    rawBody: true,
    abortOnError: false,
  });
}

/**
 * Starts a service: configuration validated first (a bad variable stops it with its name),
 * JSON logs, HTTP for health, metrics and APIs, and an orderly stop on SIGTERM/SIGINT:
 * not ready → running batches finish and commit → Kafka and PostgreSQL disconnect → exit 0.
 */
export async function runService<
  C extends { HTTP_PORT: number; HTTP_HOST: string; SHUTDOWN_TIMEOUT_MS: number; LOG_LEVEL: string },
>(service: ServiceDefinition<C>, argv = process.argv.slice(2)): Promise<void> {
  let config: C;
  try {
    config = service.readConfig(argv[0]);
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(`${service.name}: ${e.message}\n`);
      process.exit(78); // EX_CONFIG
    }
    throw e;
  }
  const logger = createLogger(service.name, { level: config.LOG_LEVEL });
  process.on('unhandledRejection', (reason) => logger.error({ err: reason }, 'unhandled rejection'));

  if (argv[0] === 'migrate') {
    if (!service.migrate) throw new Error(`${service.name} has no migrations`);
    const applied = await service.migrate(config, logger);
    logger.info({ applied }, 'migrations applied');
    return;
  }
  const command = argv[0] === undefined ? undefined : service.commands?.[argv[0]];
  if (command) {
    await command(config, logger);
    return;
  }

  const parts: ServiceParts = { logger, metrics: createMetrics(service.name), readiness: new Readiness() };
  registerReadinessMetrics(parts.metrics, parts.readiness);
  const app = await createServiceApp(service.module(config, parts), logger);
  // Consumers start inside listen() (Nest's bootstrap hooks) and may be mid-batch before it
  // returns, so the stop handlers are in place first and a stop waits for the start to end.
  const started = app.listen(config.HTTP_PORT, config.HTTP_HOST);

  // Not Nest's enableShutdownHooks: it re-raises the signal after closing, so the exit code
  // would say "killed" even after a clean stop.
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      logger.info({ signal }, 'stopping: finishing running batches');
      // At once, not after the start: start-up waits (a sender catching up) give up on it.
      parts.readiness.markShuttingDown();
      // A stuck dependency must not keep a stopping process alive forever.
      setTimeout(() => {
        logger.error({ timeoutMs: config.SHUTDOWN_TIMEOUT_MS }, 'shutdown timed out');
        process.exit(1);
      }, config.SHUTDOWN_TIMEOUT_MS).unref();
      started
        .catch(() => undefined)
        .then(() => app.close())
        .then(
          () => {
            logger.info('stopped cleanly');
            process.exit(0);
          },
          (err) => {
            logger.error({ err }, 'error while stopping');
            process.exit(1);
          },
        );
    });
  }
  await started;
  logger.info({ port: config.HTTP_PORT }, `${service.name} started`);
}
