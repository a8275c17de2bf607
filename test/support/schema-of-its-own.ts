import { randomUUID } from 'node:crypto';
import type { DataSource, MigrationInterface } from 'typeorm';
import { createDataSource, runMigrations } from '@lib/database';

/**
 * A service's migrations applied on a PostgreSQL schema of the test file's own, for the
 * "medium" files that test one repository or orchestration class on the real database.
 * `drop` removes the schema and closes the pool.
 */
export async function schemaOfItsOwn(
  label: string,
  migrations: Array<new () => MigrationInterface>,
): Promise<{ dataSource: DataSource; drop(): Promise<void> }> {
  const schema = `${label}_${randomUUID().slice(0, 8)}`;
  const dataSource = createDataSource({
    url: process.env.DATABASE_URL!,
    schema,
    entities: [],
    migrations,
    poolSize: 4,
  });
  await runMigrations(dataSource);
  return {
    dataSource,
    drop: async () => {
      await dataSource.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await dataSource.destroy();
    },
  };
}
