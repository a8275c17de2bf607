import { Client } from 'pg';
import { databaseUrlForPool, nodePostgresSsl, type DatabaseTls } from '@lib/config';
import type { Logger } from '@lib/observability';

/**
 * LISTEN on the timer channel with a connection of its own: another instance scheduled
 * something due before this one's next safety poll. Reconnects after a failure; missing a
 * notification costs at most one safety poll, never a timer.
 */
export class TimerListener {
  private client: Client | undefined;
  private stopped = false;
  private retry: NodeJS.Timeout | undefined;

  constructor(
    private readonly databaseUrl: string,
    private readonly tls: DatabaseTls,
    private readonly channel: string,
    private readonly onHeard: (at: number) => void,
    private readonly logger: Logger,
  ) {}

  async start(): Promise<void> {
    if (this.stopped) return;
    const client = new Client({
      connectionString: databaseUrlForPool(this.databaseUrl),
      ssl: nodePostgresSsl(this.tls),
      application_name: 'scheduler-listen',
    });
    client.on('notification', (n) => {
      const at = Number(n.payload);
      if (Number.isFinite(at)) this.onHeard(at);
    });
    client.on('error', (err) => {
      this.logger.warn({ err }, 'timer listener lost its connection');
      this.reconnect(client);
    });
    client.on('end', () => this.reconnect(client));
    this.client = client;
    try {
      await client.connect();
      await client.query(`LISTEN "${this.channel}"`);
    } catch (err) {
      this.logger.warn({ err }, 'timer listener could not connect; the safety poll covers');
      this.reconnect(client);
    }
  }

  private reconnect(client: Client): void {
    if (this.stopped || this.client !== client || this.retry) return;
    this.client = undefined;
    client.end().catch(() => undefined);
    this.retry = setTimeout(() => {
      this.retry = undefined;
      void this.start();
    }, 1000);
    this.retry.unref();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.retry) clearTimeout(this.retry);
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => undefined);
  }
}
