// Starts the ingest Nest app inside the test process, built the way libs/runtime runService
// builds it (Fastify, 2 MiB body limit, raw body kept for webhook signatures), on a free port.
import 'reflect-metadata';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { join } from 'node:path';
import { TOPIC } from '@lib/contracts';
import { ensureTopics, waitForTopics } from '../../../scripts/stack';
import { startInProcess } from '../../../test/support/in-process-app';
import { StoreSettingsView } from '../src/store-directory/store-settings.view';
import { createTopics, testKafka, uniquePrefix, connectionEnv } from '../../../test/support/kafka';
import { readIngestConfig } from '../src/config';
import { sealedSettings, secretsEnv } from '../../../test/support/secrets';
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
      messages: storeSettings.map((s) => ({
        key: s.storeId,
        value: JSON.stringify(sealedSettings(s.settings as object)),
      })),
    });
    await producer.disconnect();
  }
  const groupId = `${prefix}ingest`;
  const config = readIngestConfig({
    KAFKA_BROKERS: brokers,
    DATABASE_URL: process.env.DATABASE_URL,
    ...connectionEnv(),
    ...secretsEnv(),
    DATABASE_SCHEMA: `ingest_${prefix.replace(/[^a-z0-9]/g, '_')}`.slice(0, 63),
    TOPIC_PREFIX: prefix,
    INGEST_GROUP_ID: groupId,
    API_KEYS: TEST_API_KEY,
    HTTP_PORT: '0',
    LOG_LEVEL: 'info',
    ...env,
  });
  // Decisions run on a real worker thread, as in the built service.
  const worker = join(__dirname, 'decision-worker.entry.js');
  const { app, url, logs, close } = await startInProcess(
    'ingest',
    (parts) => IngestModule.forRoot(config, parts, worker),
    config.LOG_LEVEL,
  );
  // The port opens before the stores are read; the tests start taking events once they are.
  const stores = app.get(StoreSettingsView);
  for (const until = Date.now() + 60_000; !stores.ready;) {
    if (Date.now() > until) throw new Error('ingest did not read store-settings within 60 s');
    await new Promise((r) => setTimeout(r, 20));
  }
  return {
    app,
    url,
    prefix,
    groupId,
    topic: (name) => `${prefix}${name}`,
    logs,
    close,
  };
}
