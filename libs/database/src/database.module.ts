import { DynamicModule, Global, Inject, Injectable, Module, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { LOGGER, Readiness } from '@lib/observability';
import type { Logger } from '@lib/observability';
import { createDataSource, DatabaseOptions, runMigrations } from './data-source';

export interface DatabaseModuleOptions extends DatabaseOptions {
  /** Apply pending migrations at start-up (else the `migrate` command does it). */
  migrationsRun: boolean;
}

const DATABASE_OPTIONS = Symbol('DatabaseOptions');

@Injectable()
class DatabaseLifecycle implements OnModuleInit, OnApplicationShutdown {
  constructor(
    private readonly dataSource: DataSource,
    @Inject(DATABASE_OPTIONS) private readonly options: DatabaseModuleOptions,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly readiness: Readiness,
  ) {}

  async onModuleInit(): Promise<void> {
    this.readiness.add({ name: 'postgres', check: async () => void (await this.dataSource.query('SELECT 1')) });
    if (this.options.migrationsRun) {
      const applied = await runMigrations(this.dataSource);
      this.logger.info({ schema: this.options.schema, applied }, 'migrations applied');
    }
  }

  // After Kafka consumers have stopped (beforeApplicationShutdown), so the last batch could still write.
  async onApplicationShutdown(): Promise<void> {
    if (this.dataSource.isInitialized) await this.dataSource.destroy();
  }
}

@Global()
@Module({})
export class DatabaseModule {
  static forRoot(options: DatabaseModuleOptions): DynamicModule {
    return {
      module: DatabaseModule,
      providers: [
        { provide: DATABASE_OPTIONS, useValue: options },
        {
          provide: DataSource,
          // A database that is down at start fails the start: the orchestrator restarts the
          // process. Once running, an outage only turns readiness down until it answers.
          useFactory: async () => {
            const ds = createDataSource(options);
            await ds.initialize();
            return ds;
          },
        },
        DatabaseLifecycle,
      ],
      exports: [DataSource],
    };
  }
}
