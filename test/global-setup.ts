// Jest global setup for the integration and e2e tiers: brings up the local stack (or finds
// it running; see docs/local-stack.md) and hands its endpoints to the test workers, which
// inherit this process's environment. The stack is left running for the next run;
// `npm run stack:down` stops it.
import { stackUp } from '../scripts/stack';

export default async function globalSetup(): Promise<void> {
  const up = await stackUp();
  process.env.KAFKA_BROKERS = up.kafkaBrokers;
  process.env.DATABASE_URL = up.databaseUrl;
}
