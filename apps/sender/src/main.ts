import { migrateDatabase } from '@lib/database';
import { runService } from '@lib/runtime';
import { SenderConfig, readSenderConfig } from './config';
import { senderDatabase } from './database';
import { storeReminderRenderer, storeOpenings } from './plan/library-adapters';
import { SenderModule } from './sender.module';

void runService<SenderConfig>({
  name: 'sender',
  readConfig: (command) => readSenderConfig(process.env, command),
  module: (config, parts) =>
    SenderModule.forRoot(config, parts, { openings: storeOpenings, renderer: storeReminderRenderer }),
  migrate: (config) => migrateDatabase(senderDatabase(config)),
});
