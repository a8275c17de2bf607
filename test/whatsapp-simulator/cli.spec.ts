import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { parseCliOptions } from './cli-options';
import { cartReminder, postMessage } from './graph-client';

describe('WhatsApp simulator CLI options', () => {
  it('reads flags', () => {
    const { options, quiet } = parseCliOptions(
      [
        '--port=9000',
        '--token',
        '111=tok-a',
        '--token',
        '222=tok-b',
        '--token',
        '111=tok-c',
        '--webhook-url',
        'http://127.0.0.1:3003/v1/webhooks/whatsapp',
        '--app-secret',
        's3cret',
        '--throughput',
        '200',
        '--pair-interval-ms',
        '1000',
        '--latency-ms',
        '20-80',
        '--statuses',
        'sent,read',
        '--read-delay-ms',
        '50',
        '--quiet',
      ],
      {},
    );
    expect(quiet).toBe(true);
    expect(options).toEqual(
      expect.objectContaining({
        port: 9000,
        host: '127.0.0.1',
        tokens: { '111': ['tok-a', 'tok-c'], '222': ['tok-b'] },
        limits: { throughputPerSecond: 200, pairRate: { intervalMs: 1000, burst: 3 } },
        latencyMs: { minMs: 20, maxMs: 80 },
        webhooks: expect.objectContaining({
          url: 'http://127.0.0.1:3003/v1/webhooks/whatsapp',
          appSecret: 's3cret',
          statuses: ['sent', 'read'],
          delaysMs: { read: 50 },
        }),
      }),
    );
  });

  it('reads the environment when a flag is absent, flags first', () => {
    const { options, quiet } = parseCliOptions(['--throughput', '10'], {
      WA_SIM_PORT: '0',
      WA_SIM_TOKENS: '111=a,222=b',
      WA_SIM_THROUGHPUT: '999',
      WA_SIM_PAIR_LIMIT: 'off',
      WA_SIM_STATUSES: 'none',
      WA_SIM_QUIET: '1',
    });
    expect(quiet).toBe(true);
    expect(options.port).toBe(0);
    expect(options.tokens).toEqual({ '111': ['a'], '222': ['b'] });
    expect(options.limits).toEqual({ throughputPerSecond: 10, pairRate: false });
    expect(options.webhooks?.statuses).toEqual([]);
  });

  it('refuses malformed values', () => {
    expect(() => parseCliOptions(['--token', 'no-equals-sign'], {})).toThrow(/phoneNumberId=token/);
    expect(() => parseCliOptions(['--throughput', 'fast'], {})).toThrow(/not a number/);
    expect(() => parseCliOptions(['--latency-ms', '1..2'], {})).toThrow(/min-max/);
    expect(() => parseCliOptions(['--colour'], {})).toThrow();
  });
});

describe('WhatsApp simulator CLI process', () => {
  it('logs JSON lines, serves sends and stops cleanly on SIGTERM', async () => {
    const root = join(__dirname, '..', '..');
    const child = spawn(
      join(root, 'node_modules', '.bin', 'tsx'),
      [join(__dirname, 'main.ts'), '--port', '0', '--token', '106540352242922=cli-token', '--no-pair-limit'],
      { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] },
    );
    const lines: Array<Record<string, unknown>> = [];
    const listening = new Promise<string>((resolve, reject) => {
      createInterface({ input: child.stdout! }).on('line', (line) => {
        const entry = JSON.parse(line) as Record<string, unknown>;
        lines.push(entry);
        if (entry.event === 'listening') resolve(entry.url as string);
      });
      child.once('exit', (code) => reject(new Error(`simulator exited early with ${code}`)));
    });
    try {
      const url = await listening;
      const answer = await postMessage(url, '106540352242922', 'cli-token', cartReminder('34600111222', 'from-cli'));
      expect(answer.status).toBe(200);
      child.kill('SIGTERM');
      const [code] = await once(child, 'exit');
      expect(code).toBe(0);
      expect(lines.map((l) => l.event)).toEqual(['listening', 'send', 'stopping', 'stopped']);
      expect(lines[1]).toEqual(
        expect.objectContaining({ level: 'info', outcome: 'accepted', time: expect.any(String) }),
      );
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  }, 20_000);
});
