/**
 * The simulator as a process, for the demo, e2e tests and benchmarks:
 *   npx tsx test/whatsapp-simulator/main.ts --port 8090 --token 106540352242922=secret \
 *     --webhook-url http://127.0.0.1:3003/v1/webhooks/whatsapp --app-secret app-secret
 * Logs one JSON object per line on stdout; the first is `{"event":"listening","url":…}`.
 * Stops cleanly on SIGTERM or SIGINT.
 */
import { CLI_USAGE, parseCliOptions, type CliOptions } from './cli-options';
import { startWhatsAppSimulator } from './simulator';

async function main(): Promise<void> {
  let cli: CliOptions;
  try {
    cli = parseCliOptions(process.argv.slice(2), process.env);
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n\n${CLI_USAGE}`);
    process.exit(2);
  }
  if (cli.help) {
    process.stdout.write(CLI_USAGE);
    return;
  }
  const logLine = (event: string, fields: Record<string, unknown>) => {
    if (cli.quiet && event === 'send') return;
    process.stdout.write(`${JSON.stringify({ time: new Date().toISOString(), level: 'info', event, ...fields })}\n`);
  };
  const simulator = await startWhatsAppSimulator({ ...cli.options, log: logLine });
  let stopping = false;
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.on(signal, () => {
      if (stopping) return;
      stopping = true;
      logLine('stopping', { signal });
      simulator.close().then(
        () => process.exit(0),
        (error: Error) => {
          logLine('stop-failed', { error: error.message });
          process.exit(1);
        },
      );
    });
  }
}

main().catch((error: Error) => {
  process.stderr.write(
    `${JSON.stringify({ time: new Date().toISOString(), level: 'error', event: 'failed', error: error.message })}\n`,
  );
  process.exit(1);
});
