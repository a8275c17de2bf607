/** Every migration of the sender schema, oldest first. */
export const senderMigrations: Array<new () => import('typeorm').MigrationInterface> = [];
