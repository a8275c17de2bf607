// Jest global setup for the integration and e2e tiers: the real local stack (see docs/local-stack.md).
// Placeholder wiring until scripts/stack lands: it requires the endpoints in the environment.
export default async function globalSetup(): Promise<void> {
  if (!process.env.KAFKA_BROKERS || !process.env.DATABASE_URL) {
    throw new Error('Set KAFKA_BROKERS and DATABASE_URL, or run `npm run stack:up`.');
  }
}
