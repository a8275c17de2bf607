import { isMainThread } from 'node:worker_threads';

// One built file serves two roles (the bundler makes one file): the service on the main
// thread, and the decision workers it starts from this same file. Each side requires only
// its own modules, so a worker never loads Nest, TypeORM or the Kafka client.
if (isMainThread) {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  void (require('./service') as typeof import('./service')).startIngestService(__filename);
} else {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  (require('./raw-events/decision-worker') as typeof import('./raw-events/decision-worker')).serveDecisions();
}
