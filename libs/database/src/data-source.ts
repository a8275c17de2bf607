import { DataSource, EntitySchema, MixedList } from 'typeorm';
import { databaseUrlForPool, nodePostgresSsl, type DatabaseTls } from '@lib/config';

export interface DatabaseOptions {
  url: string;
  /** TLS with libpq's sslmode meanings (DATABASE_SSL_MODE…); none: plaintext. */
  tls?: DatabaseTls;
  /** The PostgreSQL schema this service owns; its tables and migration log live there. */
  schema: string;
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
  entities: MixedList<Function | string | EntitySchema>;
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
  migrations: MixedList<Function | string>;
  poolSize?: number;
  applicationName?: string;
}

/** A TypeORM DataSource for one service's schema. Never `synchronize`: migrations only. */
export function createDataSource(opts: DatabaseOptions): DataSource {
  return new DataSource({
    type: 'postgres',
    // The URL's TLS parameters are in `tls` already: node-postgres would read them its own way.
    url: databaseUrlForPool(opts.url),
    ssl: nodePostgresSsl(opts.tls),
    schema: opts.schema,
    entities: opts.entities,
    migrations: opts.migrations,
    migrationsTableName: 'migrations',
    migrationsTransactionMode: 'each',
    synchronize: false,
    migrationsRun: false,
    logging: ['error'],
    extra: {
      max: opts.poolSize ?? 10,
      application_name: opts.applicationName ?? 'cart-recovery',
      // Unqualified SQL in migrations and queries lands in the service's own schema.
      options: `-c search_path=${opts.schema},public`,
      connectionTimeoutMillis: 5000,
      statement_timeout: 60_000,
    },
  });
}

/**
 * Creates the schema if needed and applies pending migrations. An advisory lock makes
 * instances that start together take turns instead of racing on the same DDL.
 */
export async function runMigrations(dataSource: DataSource): Promise<string[]> {
  if (!dataSource.isInitialized) await dataSource.initialize();
  const schema = (dataSource.options as { schema: string }).schema;
  const runner = dataSource.createQueryRunner();
  await runner.connect();
  try {
    await runner.query('SELECT pg_advisory_lock(hashtext($1))', [`migrations:${schema}`]);
    await runner.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
    const applied = await dataSource.runMigrations({ transaction: 'each' });
    return applied.map((m) => m.name);
  } finally {
    await runner.query('SELECT pg_advisory_unlock(hashtext($1))', [`migrations:${schema}`]).catch(() => undefined);
    await runner.release();
  }
}

/** The `migrate` command: connect, apply pending migrations, disconnect. */
export async function migrateDatabase(opts: DatabaseOptions): Promise<string[]> {
  const dataSource = createDataSource(opts);
  try {
    return await runMigrations(dataSource);
  } finally {
    if (dataSource.isInitialized) await dataSource.destroy();
  }
}
