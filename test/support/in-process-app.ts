// A service's Nest application inside the test process, built as runService builds it, on a
// free port, its JSON log lines kept for the test to read.
import type { DynamicModule } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Writable } from 'node:stream';
import { createLogger, createMetrics, Readiness } from '@lib/observability';
import { createServiceApp, ServiceParts } from '@lib/runtime';

/** A route the app registered on its HTTP server (method and Fastify path, `:param` style). */
export interface RegisteredRoute {
  method: string;
  url: string;
}

const routesOf = new WeakMap<object, RegisteredRoute[]>();

/** Every route the app registered while it started (Fastify's onRoute, HEAD twins included). */
export function registeredRoutes(app: NestFastifyApplication): RegisteredRoute[] {
  const routes = routesOf.get(app);
  if (!routes) throw new Error('not an app started by startInProcess');
  return routes;
}

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
  // Nest registers its routes in listen() (init): the hook is in place before.
  const routes: RegisteredRoute[] = [];
  routesOf.set(app, routes);
  app
    .getHttpAdapter()
    .getInstance()
    .addHook('onRoute', (route) => {
      for (const method of [route.method].flat()) routes.push({ method: String(method), url: route.url });
    });
  try {
    await app.listen(0, '127.0.0.1');
  } catch (e) {
    await app.close();
    throw e;
  }
  const { port } = app.getHttpServer().address() as { port: number };
  return { app, url: `http://127.0.0.1:${port}`, logs, close: () => app.close() };
}
