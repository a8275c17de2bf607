import { migrateDatabase } from '@lib/database';
import { runService } from '@lib/runtime';
import { SenderConfig, readSenderConfig } from './config';
import { senderDatabase } from './database';
import { SenderModule } from './sender.module';

void runService<SenderConfig>({
  name: 'sender',
  readConfig: () => readSenderConfig(),
  module: (config, parts) => SenderModule.forRoot(config, parts),
  migrate: (config) => migrateDatabase(senderDatabase(config)),
});
