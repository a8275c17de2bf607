import { migrateDatabase } from '@lib/database';
import { runService } from '@lib/runtime';
import { IngestConfig, readIngestConfig } from './config';
import { ingestDatabase } from './database';
import { IngestModule } from './ingest.module';
import { runReencryptSecrets } from './store-admin/reencrypt-secrets';

/** The ingest service; `entry` is the file decision worker threads start from. */
export function startIngestService(entry: string): Promise<void> {
  return runService<IngestConfig>({
    name: 'ingest',
    readConfig: (command) => readIngestConfig(process.env, command),
    module: (config, parts) => IngestModule.forRoot(config, parts, entry),
    migrate: (config) => migrateDatabase(ingestDatabase(config)),
    // The keyring's current key seals every store's secrets again (rotation, upgrade).
    commands: { 'reencrypt-secrets': runReencryptSecrets },
  });
}
