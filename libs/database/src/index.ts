export { createDataSource, migrateDatabase, runMigrations } from './data-source';
export type { DatabaseOptions } from './data-source';
export { DatabaseConnection, DatabaseModule, describePostgresFailure } from './database.module';
export type { DatabaseModuleOptions } from './database.module';
export { updatedRows } from './updated-rows';
export type { UpdateResult } from './updated-rows';
