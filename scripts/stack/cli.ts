/**
 * npm run stack:up [-- --nodes 3] [-- --secure] | stack:down [-- --purge] | stack:status
 * Progress goes to stderr; `up` prints the endpoints on stdout as KEY=value lines.
 */
import { upOptionsOf } from './flags';
import { envLines, stackDown, stackStatus, stackUp } from './index';

async function main(command: string | undefined, flags: string[]): Promise<void> {
  switch (command) {
    case 'up': {
      const up = await stackUp(upOptionsOf(flags));
      process.stdout.write(envLines(up));
      return;
    }
    case 'down':
      return stackDown({ purge: flags.includes('--purge') });
    case 'status': {
      const status = await stackStatus();
      process.stdout.write(`kafka:    ${status.kafka}\npostgres: ${status.postgres}\n`);
      if (status.env) process.stdout.write(`\n.stack/stack.env:\n${status.env}`);
      return;
    }
    default:
      throw new Error(
        `usage: tsx scripts/stack/cli.ts up [--nodes 3] [--secure] | down [--purge] | status (got "${command ?? ''}")`,
      );
  }
}

main(process.argv[2], process.argv.slice(3)).then(
  // Explicit exit: a lingering client socket must not keep `stack:up` waiting.
  () => process.exit(0),
  (error: Error) => {
    process.stderr.write(`[stack] ${process.argv[2] ?? ''} failed: ${error.message}\n`);
    process.exit(1);
  },
);
