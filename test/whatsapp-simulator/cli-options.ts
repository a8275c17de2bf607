import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { ApprovedTemplate } from './approved-templates';
import type { Latency, SimulatorOptions } from './settings';

export const CLI_USAGE = `WhatsApp Cloud API simulator

  npx tsx test/whatsapp-simulator/main.ts [options]

Every option can also come from the environment variable in brackets; flags win.

  --port <n>                 listen port, 0 for any free one (WA_SIM_PORT, default 8090)
  --host <h>                 listen address (WA_SIM_HOST, default 127.0.0.1)
  --token <id=token>         a valid access token for a phone number id; repeat it; id * = any id
                             (WA_SIM_TOKENS="id=token,id2=token2")
  --webhook-url <url>        where status and reply webhooks go (WA_SIM_WEBHOOK_URL)
  --app-secret <secret>      signs webhooks, X-Hub-Signature-256 (WA_SIM_APP_SECRET)
  --waba-id <id>             WhatsApp Business Account id in webhooks (WA_SIM_WABA_ID)
  --throughput <n>           messages/s per phone number id (WA_SIM_THROUGHPUT, default 80)
  --pair-interval-ms <n>     one message per n ms per recipient (WA_SIM_PAIR_INTERVAL_MS, default 6000)
  --pair-burst <n>           burst allowance per recipient (WA_SIM_PAIR_BURST, default 3)
  --no-pair-limit            no pair rate limit, for load tests (WA_SIM_PAIR_LIMIT=off)
  --latency-ms <n|min-max>   added to every Graph API answer (WA_SIM_LATENCY_MS, default 0)
  --statuses <list>          statuses sent after acceptance, e.g. sent,delivered or none
                             (WA_SIM_STATUSES, default sent,delivered,read)
  --sent-delay-ms <n>        (WA_SIM_SENT_DELAY_MS, default 100)
  --delivered-delay-ms <n>   (WA_SIM_DELIVERED_DELAY_MS, default 500)
  --read-delay-ms <n>        (WA_SIM_READ_DELAY_MS, default 2000)
  --duplicate-probability <p>     a status sent twice (WA_SIM_DUPLICATE_PROBABILITY, default 0)
  --out-of-order-probability <p>  read before delivered (WA_SIM_OUT_OF_ORDER_PROBABILITY, default 0)
  --templates <file.json>    approved templates to check sends against (WA_SIM_TEMPLATES)
  --quiet                    no log line per send request (WA_SIM_QUIET=1)
  --help
`;

export interface CliOptions {
  options: SimulatorOptions;
  quiet: boolean;
  help: boolean;
}

const flags = {
  port: { type: 'string', env: 'WA_SIM_PORT' },
  host: { type: 'string', env: 'WA_SIM_HOST' },
  token: { type: 'string', multiple: true, env: 'WA_SIM_TOKENS' },
  'webhook-url': { type: 'string', env: 'WA_SIM_WEBHOOK_URL' },
  'app-secret': { type: 'string', env: 'WA_SIM_APP_SECRET' },
  'waba-id': { type: 'string', env: 'WA_SIM_WABA_ID' },
  throughput: { type: 'string', env: 'WA_SIM_THROUGHPUT' },
  'pair-interval-ms': { type: 'string', env: 'WA_SIM_PAIR_INTERVAL_MS' },
  'pair-burst': { type: 'string', env: 'WA_SIM_PAIR_BURST' },
  'no-pair-limit': { type: 'boolean', env: 'WA_SIM_PAIR_LIMIT' },
  'latency-ms': { type: 'string', env: 'WA_SIM_LATENCY_MS' },
  statuses: { type: 'string', env: 'WA_SIM_STATUSES' },
  'sent-delay-ms': { type: 'string', env: 'WA_SIM_SENT_DELAY_MS' },
  'delivered-delay-ms': { type: 'string', env: 'WA_SIM_DELIVERED_DELAY_MS' },
  'read-delay-ms': { type: 'string', env: 'WA_SIM_READ_DELAY_MS' },
  'duplicate-probability': { type: 'string', env: 'WA_SIM_DUPLICATE_PROBABILITY' },
  'out-of-order-probability': { type: 'string', env: 'WA_SIM_OUT_OF_ORDER_PROBABILITY' },
  templates: { type: 'string', env: 'WA_SIM_TEMPLATES' },
  quiet: { type: 'boolean', env: 'WA_SIM_QUIET' },
  help: { type: 'boolean' },
} as const;

type Flag = keyof typeof flags;

/** Turns argv and environment into simulator options; throws with a readable message on a bad value. */
export function parseCliOptions(argv: string[], env: NodeJS.ProcessEnv): CliOptions {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: Object.fromEntries(
      Object.entries(flags).map(([name, f]) => [
        name,
        { type: f.type, multiple: 'multiple' in f ? f.multiple : false },
      ]),
    ),
  });
  const text = (flag: Flag): string | undefined => {
    const value = values[flag];
    if (typeof value === 'string') return value;
    const fromEnv = 'env' in flags[flag] ? env[(flags[flag] as { env: string }).env] : undefined;
    return fromEnv === '' ? undefined : fromEnv;
  };
  const flagOn = (flag: Flag, envOn: (v: string) => boolean): boolean =>
    values[flag] === true || envOn(text(flag) ?? '');
  const number = (flag: Flag): number | undefined => {
    const value = text(flag);
    if (value === undefined) return undefined;
    const n = Number(value);
    if (!Number.isFinite(n)) throw new Error(`--${flag}: not a number: ${value}`);
    return n;
  };

  const tokenPairs = (values.token as string[] | undefined) ?? text('token')?.split(',') ?? [];
  const tokens: Record<string, string[]> = {};
  for (const pair of tokenPairs) {
    const at = pair.indexOf('=');
    if (at < 1 || at === pair.length - 1) throw new Error(`--token: expected phoneNumberId=token, got "${pair}"`);
    const id = pair.slice(0, at).trim();
    (tokens[id] ??= []).push(pair.slice(at + 1).trim());
  }

  const webhookUrl = text('webhook-url');
  const statuses = text('statuses');
  const delays = {
    sent: number('sent-delay-ms'),
    delivered: number('delivered-delay-ms'),
    read: number('read-delay-ms'),
  };
  const pairOff = flagOn('no-pair-limit', (v) => v === 'off' || v === 'false' || v === '0');
  const pairInterval = number('pair-interval-ms');
  const pairBurst = number('pair-burst');
  const templatesFile = text('templates');

  const options: SimulatorOptions = {
    port: number('port') ?? 8090,
    host: text('host') ?? '127.0.0.1',
    tokens,
    wabaId: text('waba-id'),
    limits: {
      throughputPerSecond: number('throughput'),
      pairRate: pairOff
        ? false
        : pairInterval !== undefined || pairBurst !== undefined
          ? { intervalMs: pairInterval ?? 6000, burst: pairBurst ?? 3 }
          : undefined,
    },
    latencyMs: latency(text('latency-ms')),
    webhooks: {
      url: webhookUrl,
      appSecret: text('app-secret'),
      statuses:
        statuses === undefined
          ? undefined
          : statuses === 'none'
            ? []
            : (statuses.split(',').map((s) => s.trim()) as Array<'sent' | 'delivered' | 'read'>),
      delaysMs: Object.fromEntries(Object.entries(delays).filter(([, v]) => v !== undefined)),
      duplicateProbability: number('duplicate-probability'),
      outOfOrderProbability: number('out-of-order-probability'),
    },
    templates: templatesFile ? (JSON.parse(readFileSync(templatesFile, 'utf8')) as ApprovedTemplate[]) : undefined,
  };
  return {
    options,
    quiet: flagOn('quiet', (v) => v === '1' || v === 'true'),
    help: values.help === true,
  };
}

function latency(value: string | undefined): Latency | undefined {
  if (value === undefined) return undefined;
  const range = /^(\d+(?:\.\d+)?)-(\d+(?:\.\d+)?)$/.exec(value);
  if (range) return { minMs: Number(range[1]), maxMs: Number(range[2]) };
  const fixed = Number(value);
  if (!Number.isFinite(fixed)) throw new Error(`--latency-ms: expected n or min-max, got "${value}"`);
  return fixed;
}
