import { migrateDatabase } from '@lib/database';
import { runService } from '@lib/runtime';
import { openingHoursCheck, planSend } from './business-hours';
import { SchedulerConfig, readSchedulerConfig } from './config';
import { schedulerDatabase } from './database';
import { SchedulerModule } from './scheduler.module';

void runService<SchedulerConfig>({
  name: 'scheduler',
  readConfig: () => readSchedulerConfig(),
  module: (config, parts) => SchedulerModule.forRoot(config, parts, { planSend, openingHoursCheck }),
  migrate: (config) => migrateDatabase(schedulerDatabase(config)),
});
