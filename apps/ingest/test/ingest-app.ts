// Starts the ingest Nest app inside the test process, built the way libs/runtime runService
// builds it (Fastify, 2 MiB body limit, raw body kept for webhook signatures), on a free port.
import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { TOPIC } from '@lib/contracts';
import { createLogger, createMetrics, JsonNestLogger, Readiness } from '@lib/observability';
import { ensureTopics, waitForTopics } from '../../../scripts/stack';
import { createTopics, testKafka, uniquePrefix } from '../../../test/support/kafka';
import { readIngestConfig } from '../src/config';
import { IngestModule } from '../src/ingest.module';

export interface IngestUnderTest {
  app: NestFastifyApplication;
  url: string;
  prefix: string;
  groupId: string;
  topic(name: string): string;
  logs: string[];
  close(): Promise<void>;
}

export const TEST_API_KEY = 'test-platform-key-0123456789';

/**
 * Topics of a fresh prefix (compaction included, plus `extraTopics` and their DLQs), then the
 * app on them.
 */
export async function startIngest(
  label: string,
  env: Record<string, string> = {},
  extraTopics: string[] = [],
  storeSettings: Array<{ storeId: string; settings: unknown }> = [],
): Promise<IngestUnderTest> {
  const prefix = uniquePrefix(label);
  const brokers = process.env.KAFKA_BROKERS ?? '127.0.0.1:9092';
  await ensureTopics(brokers, prefix, 3);
  if (extraTopics.length) {
    const names = extraTopics.flatMap((t) => [`${prefix}${t}`, `${prefix}${t}-dlq`]);
    await createTopics(testKafka(), names);
    await waitForTopics(brokers, names);
  }
  if (storeSettings.length) {
    const producer = testKafka().producer();
    await producer.connect();
    await producer.send({
      topic: `${prefix}${TOPIC.storeSettings}`,
      messages: storeSettings.map((s) => ({ key: s.storeId, value: JSON.stringify(s.settings) })),
    });
    await producer.disconnect();
  }
  const groupId = `${prefix}ingest`;
  const config = readIngestConfig({
    KAFKA_BROKERS: brokers,
    DATABASE_URL: process.env.DATABASE_URL,
    DATABASE_SCHEMA: `ingest_${prefix.replace(/[^a-z0-9]/g, '_')}`.slice(0, 63),
    TOPIC_PREFIX: prefix,
    INGEST_GROUP_ID: groupId,
    API_KEYS: TEST_API_KEY,
    HTTP_PORT: '0',
    LOG_LEVEL: 'info',
    ...env,
  });
  const logs: string[] = [];
  const logger = createLogger('ingest', {
    level: config.LOG_LEVEL,
    destination: new Writable({
      write(chunk, _enc, done) {
        logs.push(String(chunk));
        done();
      },
    }),
  });
  const parts = { logger, metrics: createMetrics('ingest'), readiness: new Readiness() };
  const app = await NestFactory.create<NestFastifyApplication>(
    // Decisions run on a real worker thread, as in the built service.
    IngestModule.forRoot(config, parts, join(__dirname, 'decision-worker.entry.js')),
    new FastifyAdapter({ bodyLimit: 2 * 1024 * 1024 }),
    { logger: new JsonNestLogger(logger), rawBody: true, abortOnError: false },
  );
  try {
    await app.listen(0, '127.0.0.1');
  } catch (e) {
    await app.close();
    throw e;
  }
  const address = app.getHttpServer().address() as { port: number };
  return {
    app,
    url: `http://127.0.0.1:${address.port}`,
    prefix,
    groupId,
    topic: (name) => `${prefix}${name}`,
    logs,
    close: () => app.close(),
  };
}
