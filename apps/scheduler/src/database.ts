import { databaseTlsOf } from '@lib/config';
import type { DatabaseOptions } from '@lib/database';
import { AbandonmentRow } from './cart-events/abandonment.entity';
import { CartRow } from './cart-events/cart.entity';
import type { SchedulerConfig } from './config';
import { schedulerMigrations } from './migrations';
import { ContactRow } from './message-outcomes/contact.entity';
import { MessageOutcomeRow } from './message-outcomes/message-outcome.entity';
import { StoreSettingsRow } from './store-settings/store-settings.entity';

export const schedulerEntities = [StoreSettingsRow, CartRow, AbandonmentRow, MessageOutcomeRow, ContactRow];

export function schedulerDatabase(config: SchedulerConfig): DatabaseOptions {
  return {
    url: config.DATABASE_URL,
    tls: databaseTlsOf(config),
    schema: config.DATABASE_SCHEMA,
    poolSize: config.DATABASE_POOL_SIZE,
    applicationName: 'scheduler',
    entities: schedulerEntities,
    migrations: schedulerMigrations,
  };
}
