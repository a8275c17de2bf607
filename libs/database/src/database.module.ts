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
const FIRST_RETRY_MS = 1000;
const MAX_RETRY_MS = 30_000;

/**
 * The service's PostgreSQL connection coming up behind the open port: a database that refuses
 * or does not answer at start is tried again (1 s, doubling to 30 s) with a log line naming
 * it, readiness says `postgres: <why>` meanwhile, and start-up steps that need the database
 * wait for `ready()`. Pending migrations run once it connects (when MIGRATIONS_RUN).
 */
@Injectable()
export class DatabaseConnection implements OnModuleInit, OnApplicationShutdown {
  private lastFailure: Error | undefined;
  private up = false;
  private readonly connected: Promise<void>;
  private markConnected!: () => void;
  private connecting: Promise<void> | undefined;

  constructor(
    private readonly dataSource: DataSource,
    @Inject(DATABASE_OPTIONS) private readonly options: DatabaseModuleOptions,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly readiness: Readiness,
  ) {
    this.connected = new Promise((resolve) => (this.markConnected = resolve));
  }

  /**
   * The first try is waited for, so a service whose database answers starts as before: tables
   * migrated before the port opens. Only a failed first try goes on behind the port.
   */
  async onModuleInit(): Promise<void> {
    this.readiness.add({
      name: 'postgres',
      check: async () => {
        if (!this.up) throw this.lastFailure ?? new Error('connecting');
        await this.dataSource.query('SELECT 1');
      },
    });
    let firstTried!: () => void;
    const firstTry = new Promise<void>((resolve) => (firstTried = resolve));
    this.connecting = this.connect(firstTried);
    await firstTry;
  }

  /** Resolves once connected and migrated; never rejects (a stop leaves it pending). */
  ready(): Promise<void> {
    return this.connected;
  }

  private async connect(firstTried: () => void): Promise<void> {
    const stop = this.readiness.stopping;
    for (let waitMs = FIRST_RETRY_MS; !stop.aborted; waitMs = Math.min(MAX_RETRY_MS, waitMs * 2)) {
      try {
        if (!this.dataSource.isInitialized) await this.dataSource.initialize();
        if (this.options.migrationsRun) {
          const applied = await runMigrations(this.dataSource);
          this.logger.info({ schema: this.options.schema, applied }, 'migrations applied');
        }
        if (this.lastFailure) this.logger.info('postgres: connected');
        this.lastFailure = undefined;
        this.up = true;
        this.markConnected();
        return firstTried();
      } catch (err) {
        this.lastFailure = new Error(describePostgresFailure(err));
        this.logger.error(
          { reason: this.lastFailure.message, retryInMs: waitMs },
          `postgres: ${this.lastFailure.message}; trying again`,
        );
        firstTried();
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, waitMs);
          stop.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
        });
      }
    }
    firstTried();
  }

  // After Kafka consumers have stopped (beforeApplicationShutdown), so the last batch could still write.
  async onApplicationShutdown(): Promise<void> {
    await this.connecting;
    if (this.dataSource.isInitialized) await this.dataSource.destroy();
  }
}

/**
 * A connection failure in an operator's words, never with the password: node-postgres' own
 * messages name the host and the cause ("connect ECONNREFUSED 127.0.0.1:5432", "password
 * authentication failed for user …", "self-signed certificate", "no pg_hba.conf entry …").
 */
export function describePostgresFailure(err: unknown): string {
  const e = err as { message?: string; code?: string; errors?: Array<{ message?: string }> };
  // An AggregateError (every address of a host refused) has an empty message of its own.
  const message = e?.message || e?.errors?.map((x) => x.message).join('; ') || e?.code || String(err);
  return message.replace(/postgres(ql)?:\/\/[^@\s]*@/g, 'postgres://***@');
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
          // Connected by DatabaseConnection, behind the open port.
          useFactory: () => createDataSource(options),
        },
        DatabaseConnection,
      ],
      exports: [DataSource, DatabaseConnection],
    };
  }
}
