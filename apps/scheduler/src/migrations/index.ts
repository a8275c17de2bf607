/** Every migration of the scheduler schema, oldest first. */
export const schedulerMigrations: Array<new () => import('typeorm').MigrationInterface> = [];
