// A service's Nest application inside the test process, built as runService builds it, on a
// free port, its JSON log lines kept for the test to read.
import type { DynamicModule } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Writable } from 'node:stream';
import { createLogger, createMetrics, Readiness } from '@lib/observability';
import { createServiceApp, ServiceParts } from '@lib/runtime';

export interface InProcessApp {
  app: NestFastifyApplication;
  url: string;
  logs: string[];
  close(): Promise<void>;
}

export async function startInProcess(
  service: string,
  module: (parts: ServiceParts) => DynamicModule,
  level = 'info',
): Promise<InProcessApp> {
  const logs: string[] = [];
  const logger = createLogger(service, {
    level,
    destination: new Writable({
      write(chunk, _encoding, done) {
        logs.push(String(chunk));
        done();
      },
    }),
  });
  const app = await createServiceApp(
    module({ logger, metrics: createMetrics(service), readiness: new Readiness() }),
    logger,
  );
  try {
    await app.listen(0, '127.0.0.1');
  } catch (e) {
    await app.close();
    throw e;
  }
  const { port } = app.getHttpServer().address() as { port: number };
  return { app, url: `http://127.0.0.1:${port}`, logs, close: () => app.close() };
}
