import { migrateDatabase } from '@lib/database';
import { runService } from '@lib/runtime';
import { SenderConfig, readSenderConfig } from './config';
import { senderDatabase } from './database';
import { storeMessageRenderer, storeOpeningHours } from './send-due/library-ports';
import { SenderModule } from './sender.module';

void runService<SenderConfig>({
  name: 'sender',
  readConfig: () => readSenderConfig(),
  module: (config, parts) =>
    SenderModule.forRoot(config, parts, { openingHours: storeOpeningHours, renderer: storeMessageRenderer }),
  migrate: (config) => migrateDatabase(senderDatabase(config)),
});
