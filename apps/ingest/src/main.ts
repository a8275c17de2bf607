import { migrateDatabase } from '@lib/database';
import { runService } from '@lib/runtime';
import { IngestConfig, readIngestConfig } from './config';
import { ingestDatabase } from './database';
import { IngestModule } from './ingest.module';

void runService<IngestConfig>({
  name: 'ingest',
  readConfig: () => readIngestConfig(),
  module: (config, parts) => IngestModule.forRoot(config, parts),
  migrate: (config) => migrateDatabase(ingestDatabase(config)),
});
