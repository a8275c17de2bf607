/**
 * The fault test's stack operations as a small command, run in a process of its own
 * (`node --import tsx test/faults/stack-control.ts <command>` with STACK_DIR set): the
 * embedded PostgreSQL's binaries are an ES module, which jest's module system cannot load.
 * Prints one JSON line with the result.
 */
import { stackDown, stackUp, startKafka, stopKafka } from '../../scripts/stack';
import { stackPaths } from '../../scripts/stack/paths';
import { runningEmbedded, startEmbedded, stopEmbedded } from '../../scripts/stack/postgres/embedded';
import { resolvePostgres } from '../../scripts/stack/postgres/resolve';

const quiet = () => undefined;

async function run(command: string | undefined): Promise<unknown> {
  switch (command) {
    case 'up':
      return stackUp({ log: quiet, partitions: 6 });
    case 'postgres-up':
      return { databaseUrl: (await resolvePostgres(stackPaths().postgres, 'embedded', quiet)).databaseUrl };
    case 'stop-kafka':
      return { outcome: await stopKafka({ log: quiet }) };
    case 'start-kafka':
      return startKafka({ log: quiet });
    case 'restart-postgres': {
      const paths = stackPaths().postgres;
      await stopEmbedded(paths);
      await startEmbedded(paths, quiet);
      const running = runningEmbedded(paths);
      if (!running) throw new Error('the embedded PostgreSQL did not come back');
      return { port: running.port };
    }
    case 'down':
      await stackDown({ log: quiet, purge: true });
      return {};
    default:
      throw new Error(`unknown command ${command ?? ''}`);
  }
}

run(process.argv[2]).then(
  (result) => {
    process.stdout.write(`${JSON.stringify(result)}\n`);
    process.exit(0);
  },
  (error: Error) => {
    process.stderr.write(`${error.message}\n`);
    process.exit(1);
  },
);
