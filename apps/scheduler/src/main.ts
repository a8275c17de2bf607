import { migrateDatabase } from '@lib/database';
import { runService } from '@lib/runtime';
import { planSend } from './business-hours';
import { SchedulerConfig, readSchedulerConfig } from './config';
import { schedulerDatabase } from './database';
import { SchedulerModule } from './scheduler.module';

void runService<SchedulerConfig>({
  name: 'scheduler',
  readConfig: () => readSchedulerConfig(),
  module: (config, parts) => SchedulerModule.forRoot(config, parts, { planSend }),
  migrate: (config) => migrateDatabase(schedulerDatabase(config)),
});
