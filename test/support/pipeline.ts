/**
 * The whole pipeline on this machine, for the demo, the end-to-end and fault tests and the
 * pipeline benchmark: the local stack, the WhatsApp simulator as its own process, and the
 * three built services (dist/apps/<name>/main.js) as separate processes sharing one
 * environment (a topic prefix, consumer groups and database schemas of their own).
 * Callers drive it only through public interfaces: topics, HTTP APIs, the simulator's
 * control API.
 */
import { ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Consumer, Kafka, KafkaMessage, Producer } from 'kafkajs';
import { DateTime } from 'luxon';
import { allTopics, prefixedTopic, TOPIC, WEEKDAYS, type StoreSettings, type Weekday } from '@lib/contracts';
import { ensureTopics, stackUp } from '../../scripts/stack';
import { harnessKafka } from './kafka';
import { AppName, freePort, RunningService, startService } from './services';

export const APPS: readonly AppName[] = ['ingest', 'scheduler', 'sender'];
const ROOT = join(__dirname, '../..');
/** Graph API version the sender is configured with (the simulator accepts any `vNN.N`). */
export const GRAPH_API_VERSION = 'v23.0';

export interface PipelineOptions {
  /** Short word naming the run; goes into the topic prefix, groups and schemas. */
  label: string;
  /** Progress lines (default: none). */
  log?: (message: string) => void;
  /** Phone number id → access token the simulator accepts. Default: any id with `defaultAccessToken`. */
  whatsappTokens?: Record<string, string>;
  /** Extra simulator CLI flags (`--latency-ms 20`, `--no-pair-limit`, …). */
  simulatorArgs?: string[];
  /** Extra variables per service (and for all of them). */
  env?: Partial<Record<AppName | 'all', Record<string, string>>>;
  /** Partitions of the run's topics (default 6). */
  partitions?: number;
  /** A cluster of the run's own (e.g. startLocalKafka's), instead of KAFKA_BROKERS or the stack's. */
  kafkaBrokers?: string;
  /** How long each service may take to report healthy (default 90 s). */
  healthTimeoutMs?: number;
  /**
   * The merchant console on, signed with these keys (CONSOLE_SIGNING_KEYS): ingest serves it and
   * forwards its stats requests to scheduler instance 0 and its recent messages to sender
   * instance 0, whose ports are chosen beforehand.
   */
  consoleSigningKeys?: string;
  /**
   * Processes of each service (default 1), sharing its environment: one consumer group, one
   * schema. Instance 0 is the one `url`, `service`, `kill` and `restart` mean unless told, and
   * the sender instance 0 receives the simulator's webhooks.
   */
  instances?: number;
}

/** An access token valid for every phone number id when `whatsappTokens` is not given. */
export const defaultAccessToken = 'pipeline-access-token-0001';

export interface Pipeline {
  prefix: string;
  kafkaBrokers: string;
  databaseUrl: string;
  topics: { [K in keyof typeof TOPIC]: string };
  /** Bearer key the ingest and scheduler APIs accept. */
  apiKey: string;
  schemas: Record<AppName, string>;
  groups: Record<AppName, string>;
  simulator: SimulatorClient;
  /** How many processes of each service run (`instances`). */
  instances: number;
  service(name: AppName, instance?: number): RunningService;
  url(name: AppName, instance?: number): string;
  /** Kills a service's instance (SIGKILL unless told) and waits for it to exit. */
  kill(name: AppName, signal?: NodeJS.Signals, instance?: number): Promise<void>;
  /** Starts a service's instance again (after kill) with the same environment, and waits until healthy. */
  restart(name: AppName, instance?: number): Promise<RunningService>;
  /** Kills the simulator process and starts it again on the same port (its record is lost). */
  restartSimulator(): Promise<void>;
  /** Process ids of the services (instance 0) and the simulator now running. */
  pids(): Record<AppName | 'simulator', number | undefined>;
  /** The last log lines of a service (or the simulator), to explain a failure. */
  logTail(name: AppName | 'simulator', lines?: number): string;
  /** Stops everything this call started (services SIGTERM, then the simulator). */
  stop(): Promise<void>;
}

/** Brings the stack up (or finds it), starts the simulator and the three services, waits until healthy. */
export async function startPipeline(options: PipelineOptions): Promise<Pipeline> {
  const log = options.log ?? (() => undefined);
  for (const name of APPS) {
    const main = join(ROOT, 'dist/apps', name, 'main.js');
    if (!existsSync(main)) throw new Error(`${main} is missing: run \`npm run build\` first`);
  }
  let kafkaBrokers = options.kafkaBrokers ?? process.env.KAFKA_BROKERS;
  let databaseUrl = process.env.DATABASE_URL;
  if (!kafkaBrokers || !databaseUrl) {
    log('bringing up the local stack (Kafka, PostgreSQL)…');
    const up = await stackUp({ log: (m) => log(`stack: ${m}`) });
    kafkaBrokers = options.kafkaBrokers ?? up.kafkaBrokers;
    databaseUrl = up.databaseUrl;
  }

  const id = randomUUID().slice(0, 8);
  const prefix = `p-${options.label}-${id}.`;
  const slug = `${options.label.replace(/[^a-z0-9]/gi, '_').toLowerCase()}_${id}`;
  await ensureTopics(kafkaBrokers, prefix, options.partitions ?? 6);
  log(`topics ${allTopics(prefix).length} created with prefix ${prefix}`);

  const topics = Object.fromEntries(
    Object.entries(TOPIC).map(([k, t]) => [k, prefixedTopic(prefix, t)]),
  ) as Pipeline['topics'];
  const apiKey = `key-${randomUUID()}`;
  const appSecret = `app-secret-${randomUUID()}`;
  const verifyToken = `verify-${randomUUID().slice(0, 8)}`;
  const schemas = Object.fromEntries(APPS.map((n) => [n, `${n}_${slug}`.slice(0, 63)])) as Record<AppName, string>;
  const groups = Object.fromEntries(APPS.map((n) => [n, `${prefix}${n}`])) as Record<AppName, string>;

  const simulator = await SimulatorProcess.start(
    [
      '--port',
      '0',
      '--quiet',
      '--app-secret',
      appSecret,
      ...Object.entries(options.whatsappTokens ?? { '*': defaultAccessToken }).flatMap(([phoneId, token]) => [
        '--token',
        `${phoneId}=${token}`,
      ]),
      ...(options.simulatorArgs ?? []),
    ],
    log,
  );

  const common: Record<string, string> = {
    KAFKA_BROKERS: kafkaBrokers,
    DATABASE_URL: databaseUrl,
    TOPIC_PREFIX: prefix,
    API_KEYS: apiKey,
    LOG_LEVEL: 'info',
    DATABASE_POOL_SIZE: '5',
    ...options.env?.all,
  };
  const schedulerPort = options.consoleSigningKeys ? await freePort() : undefined;
  const senderPort = options.consoleSigningKeys ? await freePort() : undefined;
  const consoleEnv: Record<string, string> = options.consoleSigningKeys
    ? { CONSOLE_SIGNING_KEYS: options.consoleSigningKeys }
    : {};
  // Variables a service does not know are ignored by readConfig, so each gets the whole set.
  const envOf: Record<AppName, Record<string, string>> = {
    ingest: {
      ...common,
      DATABASE_SCHEMA: schemas.ingest,
      INGEST_GROUP_ID: groups.ingest,
      ...consoleEnv,
      ...(schedulerPort ? { CONSOLE_SCHEDULER_URL: `http://127.0.0.1:${schedulerPort}/` } : {}),
      ...(senderPort ? { CONSOLE_SENDER_URL: `http://127.0.0.1:${senderPort}/` } : {}),
      ...options.env?.ingest,
    },
    scheduler: {
      ...common,
      DATABASE_SCHEMA: schemas.scheduler,
      SCHEDULER_GROUP_ID: groups.scheduler,
      ...consoleEnv,
      ...options.env?.scheduler,
    },
    sender: {
      ...common,
      DATABASE_SCHEMA: schemas.sender,
      ...senderWhatsAppEnv({ graphUrl: simulator.url, appSecret, verifyToken, group: groups.sender }),
      // Its default pool: six send-due partitions at once plus webhooks starve on five
      // connections (due-to-delivered p50 6.5 s with 5, 306 ms with 10 in the pipeline bench).
      DATABASE_POOL_SIZE: '10',
      ...consoleEnv,
      ...options.env?.sender,
    },
  };

  const instances = options.instances ?? 1;
  /** Per service, its instances by number. */
  const running = Object.fromEntries(APPS.map((n) => [n, [] as RunningService[]])) as Record<AppName, RunningService[]>;
  const all = () => APPS.flatMap((n) => running[n].filter(Boolean));
  const healthTimeoutMs = options.healthTimeoutMs ?? 90_000;
  const startOne = async (name: AppName, instance = 0): Promise<RunningService> => {
    // Instance 0 of the scheduler and of the sender answer the console, on ports chosen before ingest starts.
    const consolePort =
      instance === 0 ? { scheduler: schedulerPort, sender: senderPort, ingest: undefined }[name] : undefined;
    const port: Record<string, string> = consolePort ? { HTTP_PORT: String(consolePort) } : {};
    const service = await startService(name, { ...envOf[name], ...port });
    running[name][instance] = service;
    await service.waitUntil((h) => h.status === 200, healthTimeoutMs);
    if (name === 'sender' && instance === 0)
      await simulator.client.pointWebhooksAt(`${service.url}/v1/webhooks/whatsapp`, appSecret);
    const which = instances > 1 ? `${name} #${instance}` : name;
    log(`${which} healthy on ${service.url} (pid ${service.process.pid})`);
    return service;
  };
  const startAll = (name: AppName) => Promise.all(Array.from({ length: instances }, (_, i) => startOne(name, i)));

  try {
    // Ingest first: the others read the store-settings it publishes; then the two in parallel.
    await startAll('ingest');
    await Promise.all([startAll('scheduler'), startAll('sender')]);
  } catch (error) {
    await Promise.all(all().map((s) => s.stop('SIGKILL')));
    await simulator.stop();
    throw error;
  }

  const pipeline: Pipeline = {
    prefix,
    kafkaBrokers,
    databaseUrl,
    topics,
    apiKey,
    schemas,
    groups,
    simulator: simulator.client,
    instances,
    service: (name, instance = 0) => running[name][instance],
    url: (name, instance = 0) => running[name][instance].url,
    async kill(name, signal = 'SIGKILL', instance = 0) {
      await running[name][instance].stop(signal);
    },
    restart: (name, instance = 0) => startOne(name, instance),
    async restartSimulator() {
      await simulator.restart();
      const sender = running.sender[0];
      if (sender) await simulator.client.pointWebhooksAt(`${sender.url}/v1/webhooks/whatsapp`, appSecret);
    },
    pids: () => ({
      ingest: running.ingest[0]?.process.pid,
      scheduler: running.scheduler[0]?.process.pid,
      sender: running.sender[0]?.process.pid,
      simulator: simulator.pid,
    }),
    logTail(name, lines = 30) {
      const source = name === 'simulator' ? simulator.logs : (running[name][0]?.logs ?? []);
      return source.slice(-lines).join('\n');
    },
    async stop() {
      await Promise.all(
        all().map(async (s) => {
          const stopped = s.stop('SIGTERM');
          const timer = setTimeout(() => s.process.kill('SIGKILL'), 30_000);
          await stopped;
          clearTimeout(timer);
        }),
      );
      await simulator.stop();
    },
  };
  return pipeline;
}

/**
 * The sender's WhatsApp settings for a run against the simulator. Kept in one place so the
 * names follow apps/sender/src/config.ts.
 */
function senderWhatsAppEnv(o: {
  graphUrl: string;
  appSecret: string;
  verifyToken: string;
  group: string;
}): Record<string, string> {
  return {
    SENDER_GROUP_ID: o.group,
    SENDER_FACTS_GROUP_ID: `${o.group}-facts`,
    WHATSAPP_GRAPH_BASE_URL: o.graphUrl,
    WHATSAPP_GRAPH_VERSION: GRAPH_API_VERSION,
    WHATSAPP_APP_SECRET: o.appSecret,
    WHATSAPP_VERIFY_TOKEN: o.verifyToken,
  };
}

// ---------------------------------------------------------------------------------------------
// The simulator as a process and its HTTP control API.

export interface SimulatedMessage {
  wamid: string;
  phoneNumberId: string;
  to: string;
  type: 'template' | 'text';
  templateName?: string;
  text?: string;
  bizOpaqueCallbackData?: string;
  acceptedAt: number;
  body: unknown;
  statuses: Array<{ status: string; at: number; errorCode?: number }>;
}

export interface SimulatedAttempt {
  seq: number;
  receivedAt: number;
  phoneNumberId: string;
  to?: string;
  outcome: string;
  httpStatus?: number;
  errorCode?: number;
  wamid?: string;
  fault?: string;
}

/** The simulator's `/_simulator` control API, from another process. */
export class SimulatorClient {
  constructor(readonly url: string) {}

  private async call<T>(method: string, path: string, body?: unknown, timeoutMs = 30_000): Promise<T> {
    const res = await fetch(`${this.url}/_simulator${path}`, {
      method,
      headers: body === undefined ? undefined : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`simulator ${method} ${path}: ${res.status} ${text.slice(0, 300)}`);
    return (text ? JSON.parse(text) : undefined) as T;
  }

  /** Every accepted message (paged through), optionally filtered. */
  async messages(filter: { to?: string; phoneNumberId?: string; bizOpaqueCallbackData?: string } = {}) {
    const out: SimulatedMessage[] = [];
    for (;;) {
      const q = new URLSearchParams({ ...filter, offset: String(out.length), limit: '5000' });
      const page = await this.call<{ total: number; messages: SimulatedMessage[] }>('GET', `/messages?${q}`);
      out.push(...page.messages);
      if (page.messages.length === 0 || out.length >= page.total) return out;
    }
  }

  async attempts(filter: { to?: string; phoneNumberId?: string } = {}) {
    const out: SimulatedAttempt[] = [];
    for (;;) {
      const q = new URLSearchParams({ ...filter, offset: String(out.length), limit: '5000' });
      const page = await this.call<{ total: number; attempts: SimulatedAttempt[] }>('GET', `/attempts?${q}`);
      out.push(...page.attempts);
      if (page.attempts.length === 0 || out.length >= page.total) return out;
    }
  }

  stats(): Promise<Record<string, unknown>> {
    return this.call('GET', '/stats');
  }

  /** A fault order (docs/whatsapp-simulator.md, Faults). */
  addFaults(order: Record<string, unknown>): Promise<unknown> {
    return this.call('POST', '/faults', order);
  }

  clearFaults(): Promise<unknown> {
    return this.call('DELETE', '/faults');
  }

  /**
   * A shopper's reply; answers once the webhook is delivered (or given up). Without
   * `phoneNumberId`, it goes to the business number that last messaged the shopper.
   */
  reply(from: string, text: string, phoneNumberId?: string): Promise<unknown> {
    return this.call('POST', '/inbound', { from, text, phoneNumberId }, 90_000);
  }

  async webhooksIdle(timeoutMs = 10_000): Promise<boolean> {
    const r = await this.call<{ idle: boolean }>(
      'GET',
      `/webhooks/idle?timeoutMs=${timeoutMs}`,
      undefined,
      timeoutMs + 5000,
    );
    return r.idle;
  }

  updateSettings(patch: Record<string, unknown>): Promise<unknown> {
    return this.call('PATCH', '/settings', patch);
  }

  pointWebhooksAt(url: string, appSecret: string): Promise<unknown> {
    return this.updateSettings({ webhooks: { url, appSecret } });
  }
}

export class SimulatorProcess {
  readonly logs: string[] = [];
  client!: SimulatorClient;
  url = '';
  private child!: ChildProcess;

  get pid(): number | undefined {
    return this.child.pid;
  }

  private constructor(
    private args: string[],
    private readonly log: (m: string) => void,
  ) {}

  static async start(args: string[], log: (m: string) => void): Promise<SimulatorProcess> {
    const sim = new SimulatorProcess(args, log);
    await sim.spawn();
    return sim;
  }

  private async spawn(): Promise<void> {
    // One process (no tsx wrapper), so a kill reaches the simulator itself.
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', join(ROOT, 'test/whatsapp-simulator/main.ts'), ...this.args],
      {
        cwd: ROOT,
        env: { PATH: process.env.PATH },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    this.child = child;
    const listening = new Promise<string>((resolve, reject) => {
      let buffered = '';
      const timer = setTimeout(
        () => reject(new Error(`simulator did not listen in 30 s:\n${this.logs.join('\n')}`)),
        30_000,
      );
      const onData = (chunk: Buffer) => {
        buffered += chunk.toString();
        const lines = buffered.split('\n');
        buffered = lines.pop() ?? '';
        for (const line of lines.filter(Boolean)) {
          this.keep(line);
          if (line.includes('"event":"listening"')) {
            clearTimeout(timer);
            resolve((JSON.parse(line) as { url: string }).url);
          }
        }
      };
      child.stdout!.on('data', onData);
      child.stderr!.on('data', (c: Buffer) =>
        c
          .toString()
          .split('\n')
          .filter(Boolean)
          .forEach((l) => this.keep(l)),
      );
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`simulator exited ${code}:\n${this.logs.join('\n')}`));
      });
    });
    this.url = await listening;
    this.client = new SimulatorClient(this.url);
    this.log(`WhatsApp simulator on ${this.url} (pid ${child.pid})`);
  }

  private keep(line: string): void {
    this.logs.push(line);
    if (this.logs.length > 2000) this.logs.splice(0, 1000);
  }

  async restart(): Promise<void> {
    const port = new URL(this.url).port;
    await this.stop('SIGKILL');
    this.args = [...this.args.filter((_, i, a) => a[i] !== '--port' && a[i - 1] !== '--port'), '--port', port];
    await this.spawn();
  }

  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = once(this.child, 'exit');
    this.child.kill(signal);
    await exited;
  }
}

// ---------------------------------------------------------------------------------------------
// Stores and carts through the public APIs.

/** `PUT /v1/stores/{id}` on ingest; throws with the answer when it is not 2xx. */
export async function putStore(pipeline: Pipeline, settings: StoreSettings): Promise<unknown> {
  const res = await fetch(`${pipeline.url('ingest')}/v1/stores/${encodeURIComponent(settings.storeId)}`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${pipeline.apiKey}`, 'content-type': 'application/json' },
    body: JSON.stringify(settings),
    signal: AbortSignal.timeout(30_000),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`PUT /v1/stores/${settings.storeId}: ${res.status} ${text.slice(0, 500)}`);
  return text ? JSON.parse(text) : undefined;
}

/** `GET` on a service's API with the run's key; `undefined` body when not 2xx. */
export async function apiGet<T>(
  pipeline: Pipeline,
  name: AppName,
  path: string,
): Promise<{ status: number; body?: T }> {
  const res = await fetch(`${pipeline.url(name)}${path}`, {
    headers: { authorization: `Bearer ${pipeline.apiKey}` },
    signal: AbortSignal.timeout(30_000),
  });
  const text = await res.text();
  return { status: res.status, body: res.ok && text ? (JSON.parse(text) as T) : undefined };
}

/** `POST /v1/cart-events` with up to 500 events (to ingest instance 0 unless told); throws when the request fails. */
export async function postCartEvents(pipeline: Pipeline, events: object[], instance = 0): Promise<unknown> {
  const res = await fetch(`${pipeline.url('ingest', instance)}/v1/cart-events`, {
    method: 'POST',
    headers: { authorization: `Bearer ${pipeline.apiKey}`, 'content-type': 'application/json' },
    body: JSON.stringify(events),
    signal: AbortSignal.timeout(60_000),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`POST /v1/cart-events: ${res.status} ${text.slice(0, 500)}`);
  return text ? JSON.parse(text) : undefined;
}

export interface CartSpec {
  storeId: string;
  cartId: string;
  type?: 'cart.updated' | 'checkout.started' | 'cart.converted' | 'cart.emptied';
  occurredAt: Date;
  eventId?: string;
  phone?: string;
  firstName?: string;
  locale?: string;
  optIn?: boolean;
  items?: Array<{ sku: string; title: string; quantity: number; unitPrice: string }>;
  currency?: string;
  total?: string;
  orderId?: string;
}

/** A canonical cart event (contracts v1) for a cart spec. */
export function cartEvent(spec: CartSpec): Record<string, unknown> {
  const items = spec.items ?? [{ sku: 'SKU-1', title: 'Zapatillas Lola', quantity: 1, unitPrice: '59.90' }];
  const total =
    spec.total ?? items.reduce((sum, i) => sum + Math.round(Number(i.unitPrice) * 100) * i.quantity, 0) / 100 + '';
  const type = spec.type ?? 'cart.updated';
  return {
    schemaVersion: 1,
    eventId: spec.eventId ?? `evt-${randomUUID()}`,
    type,
    occurredAt: spec.occurredAt.toISOString(),
    storeId: spec.storeId,
    cartId: spec.cartId,
    ...(spec.phone
      ? {
          customer: {
            phone: spec.phone,
            firstName: spec.firstName,
            locale: spec.locale,
            whatsappOptIn: spec.optIn ?? true,
          },
        }
      : {}),
    items,
    currency: spec.currency ?? 'EUR',
    total: Number(total).toFixed(2),
    recoveryUrl: `https://shop.example/${spec.storeId}/cart/recover/${spec.cartId}`,
    orderId: type === 'cart.converted' ? (spec.orderId ?? `order-${spec.cartId}`) : null,
  };
}

// ---------------------------------------------------------------------------------------------
// Opening hours computed from now, so a test or the demo sees a store open now or closed now.

type Hours = Record<Weekday, Array<[string, string]>>;

function emptyWeek(): Hours {
  return Object.fromEntries(WEEKDAYS.map((d) => [d, []])) as unknown as Hours;
}

function dayOf(t: DateTime): Weekday {
  return WEEKDAYS[t.weekday - 1];
}

/** Minutes since local midnight, as HH:mm ("24:00" for 1440). */
function hhmm(minutes: number): string {
  return `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;
}

/** Adds [from, to) (local times, may cross midnight) to a week, split at midnight. */
function addSpan(hours: Hours, from: DateTime, to: DateTime): void {
  let start = from;
  while (start < to) {
    const midnight = start.startOf('day').plus({ days: 1 });
    const end = to < midnight ? to : midnight;
    const a = start.hour * 60 + start.minute;
    const b = end.equals(midnight) ? 1440 : end.hour * 60 + end.minute;
    if (b > a) hours[dayOf(start)].push([hhmm(a), hhmm(b)]);
    start = end;
  }
}

/** Opening hours open from `beforeMinutes` ago to `afterMinutes` from now, closed otherwise. */
export function hoursOpenNow(timezone: string, now = new Date(), beforeMinutes = 60, afterMinutes = 240): Hours {
  const local = DateTime.fromJSDate(now, { zone: timezone }).startOf('minute');
  const hours = emptyWeek();
  addSpan(hours, local.minus({ minutes: beforeMinutes }), local.plus({ minutes: afterMinutes + 1 }));
  return hours;
}

/**
 * Opening hours closed now that open `inMinutes` from now (to the next whole minute) for
 * `forMinutes`. Returns the hours and the instant of the opening.
 */
export function hoursOpeningIn(
  timezone: string,
  inMinutes: number,
  now = new Date(),
  forMinutes = 120,
): { hours: Hours; opensAt: Date } {
  const opens = DateTime.fromJSDate(now, { zone: timezone })
    .plus({ minutes: inMinutes })
    .startOf('minute')
    .plus({ minutes: 1 });
  const hours = emptyWeek();
  addSpan(hours, opens, opens.plus({ minutes: forMinutes }));
  return { hours, opensAt: opens.toJSDate() };
}

/** Store settings with the run's conventions (text mode, the pipeline's access token). */
export function storeSettings(
  o: Partial<StoreSettings> & Pick<StoreSettings, 'storeId' | 'name' | 'timezone' | 'openingHours'>,
): StoreSettings {
  return {
    enabled: true,
    defaultCountry: 'ES',
    locale: 'es',
    closedDates: [],
    abandonAfterMinutes: 1,
    sendDelayMinutes: 0,
    maxDeferralHours: 72,
    minHoursBetweenMessages: 24,
    ...o,
    whatsapp: o.whatsapp ?? {
      phoneNumberId: '106540352242922',
      accessToken: defaultAccessToken,
      mode: 'text',
    },
  } as StoreSettings;
}

// ---------------------------------------------------------------------------------------------
// Reading the run's topics as an outside reader would.

export interface WatchedRecord {
  topic: string;
  key: string | null;
  /** Parsed JSON, or `undefined` when the value is not JSON (or a tombstone). */
  value: Record<string, unknown> | undefined;
  raw: string | null;
  headers: Record<string, string>;
  partition: number;
  offset: string;
  /** The record's Kafka timestamp (ms). */
  timestamp: number;
}

/**
 * Reads topics from the beginning with a group of its own and keeps every record once;
 * `onRecord` sees each as it arrives. For the demo's display and the tests' assertions.
 *
 * A test's counts are only as good as this reader, so it outlives what the pipeline is put
 * through: a consumer kafkajs gives up on (a crash it does not restart, seen while the broker
 * was stopped) is replaced, records read twice after a rejoin are kept once, and `caughtUp`
 * proves every record published so far was read before anything is counted.
 */
export class TopicWatcher {
  readonly records: WatchedRecord[] = [];
  /** What happened to the reader, for a failing test's output ("crash …", "replaced"). */
  readonly incidents: string[] = [];
  private consumer: Consumer | undefined;
  private kafka: Kafka | undefined;
  private topics: string[] = [];
  private readonly groupId = `watcher-${randomUUID()}`;
  /** Per `topic:partition`, the offset after the last record read. */
  private readonly positions = new Map<string, bigint>();
  private stopped = false;
  private replacing: Promise<void> | undefined;

  constructor(
    private readonly brokers: string,
    private readonly onRecord?: (record: WatchedRecord) => void,
  ) {}

  async start(topics: string[]): Promise<void> {
    this.topics = topics;
    this.kafka = harnessKafka('pipeline-watcher', this.brokers);
    await this.run();
  }

  of(topic: string): WatchedRecord[] {
    return this.records.filter((r) => r.topic === topic);
  }

  /**
   * Waits until every record published so far on the watched topics has been read. A reader
   * still behind after half the time is replaced once (a consumer can stall without crashing).
   * Throws, naming the partitions behind and the reader's incidents, when time runs out.
   */
  async caughtUp(timeoutMs = 60_000): Promise<void> {
    const admin = this.kafka!.admin();
    await admin.connect();
    try {
      const ends = new Map<string, bigint>();
      for (const topic of this.topics)
        for (const p of await admin.fetchTopicOffsets(topic))
          if (BigInt(p.high) > 0n) ends.set(`${topic}:${p.partition}`, BigInt(p.high));
      const behind = () => [...ends].filter(([tp, end]) => (this.positions.get(tp) ?? 0n) < end).map(([tp]) => tp);
      const started = Date.now();
      let replaced = false;
      while (behind().length > 0) {
        const waited = Date.now() - started;
        if (waited > timeoutMs)
          throw new Error(
            `topic watcher still behind after ${timeoutMs} ms on ${behind().join(', ')}; incidents: ${
              this.incidents.join('; ') || 'none'
            }`,
          );
        if (!replaced && waited > timeoutMs / 2) {
          replaced = true;
          this.incident(`behind on ${behind().join(', ')} after ${waited} ms: replaced`);
          await this.replace();
        }
        await new Promise((r) => setTimeout(r, 200));
      }
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.replacing?.catch(() => undefined);
    await this.consumer?.disconnect().catch(() => undefined);
  }

  private async run(): Promise<void> {
    // The same group: a replacement goes on from the committed offsets.
    const consumer = this.kafka!.consumer({ groupId: this.groupId, maxWaitTimeInMs: 100, sessionTimeout: 30_000 });
    this.consumer = consumer;
    consumer.on(consumer.events.CRASH, ({ payload }) => {
      this.incident(`crash ${payload.error.name}: ${payload.error.message} (kafkajs restarts it: ${payload.restart})`);
      if (!payload.restart) void this.replace();
    });
    await consumer.connect();
    await consumer.subscribe({ topics: this.topics, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ topic, partition, message }) => {
        const tp = `${topic}:${partition}`;
        const offset = BigInt(message.offset);
        // Read again after a rejoin (offsets are committed now and then): kept once.
        if (offset < (this.positions.get(tp) ?? 0n)) return;
        this.positions.set(tp, offset + 1n);
        const record = watchedRecord(topic, partition, message);
        this.records.push(record);
        this.onRecord?.(record);
      },
    });
  }

  private incident(what: string): void {
    this.incidents.push(`${new Date().toISOString().slice(11, 19)} ${what}`);
  }

  /** A new consumer in place of the current one (gone or stalled). */
  private replace(): Promise<void> {
    if (this.stopped) return Promise.resolve();
    return (this.replacing ??= (async () => {
      try {
        // A stalled consumer may not even disconnect: it is left behind after a while.
        await Promise.race([
          this.consumer?.disconnect().catch(() => undefined),
          new Promise((r) => setTimeout(r, 10_000)),
        ]);
        for (;;) {
          if (this.stopped) return;
          try {
            await this.run();
            this.incident('replaced by a new consumer');
            return;
          } catch (e) {
            this.incident(`replacement failed (${(e as Error).message}), trying again`);
            await this.consumer?.disconnect().catch(() => undefined);
            await new Promise((r) => setTimeout(r, 1000));
          }
        }
      } finally {
        this.replacing = undefined;
      }
    })());
  }
}

function watchedRecord(topic: string, partition: number, message: KafkaMessage): WatchedRecord {
  const raw = message.value?.toString() ?? null;
  let value: Record<string, unknown> | undefined;
  try {
    value = raw === null ? undefined : (JSON.parse(raw) as Record<string, unknown>);
  } catch {
    value = undefined;
  }
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(message.headers ?? {})) if (v !== undefined) headers[k] = String(v);
  return {
    topic,
    key: message.key?.toString() ?? null,
    value,
    raw,
    headers,
    partition,
    offset: message.offset,
    timestamp: Number(message.timestamp),
  };
}

/** A plain kafkajs producer on the run's broker (platforms publishing to cart-events-raw). */
export async function platformProducer(brokers: string): Promise<Producer> {
  const kafka = harnessKafka('platform', brokers);
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  return producer;
}
