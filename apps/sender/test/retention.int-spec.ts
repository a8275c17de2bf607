import type { DataSource } from 'typeorm';
import { createLogger, createMetrics } from '@lib/observability';
import { schemaOfItsOwn } from '../../../test/support/schema-of-its-own';
import { readSenderConfig } from '../src/config';
import { senderMigrations } from '../src/migrations';
import { PurgeLoop } from '../src/retention/purge-loop';
import { PurgeRepository } from '../src/retention/purge.repository';
import { SenderMetrics } from '../src/sender.metrics';

// The sender's retention purge on a real schema (no Kafka, no timer loop): messages, cart
// closures, frequency slots and opt-outs of every age and state, as the pipelines write them;
// what expired goes, what is still needed stays, old bodies are blanked, and an instance that
// finds the purge lock taken deletes nothing.
const DAY = 86_400_000;
const policy = { messageDays: 90, messageBodyDays: 30, cartClosureDays: 30, contactHoldDays: 30 };

let dataSource: DataSource;
let drop: () => Promise<void>;
let metrics: SenderMetrics;
let loop: PurgeLoop;
const now = Date.now();
const ago = (days: number) => new Date(now - days * DAY).toISOString();

function loopOn(env: Record<string, string> = {}): PurgeLoop {
  const config = readSenderConfig({
    KAFKA_BROKERS: 'unused:9092',
    DATABASE_URL: process.env.DATABASE_URL!,
    SECRETS_ENCRYPTION_KEYS: `k1:${Buffer.alloc(32, 7).toString('base64')}`,
    SENDER_PURGE_BATCH_SIZE: '7', // many batches, so the sweep's cursor is exercised
    SENDER_PURGE_PAUSE_MS: '0',
    RETENTION_MESSAGE_DAYS: String(policy.messageDays),
    RETENTION_MESSAGE_BODY_DAYS: String(policy.messageBodyDays),
    RETENTION_CART_CLOSURE_DAYS: String(policy.cartClosureDays),
    RETENTION_CONTACT_HOLD_DAYS: String(policy.contactHoldDays),
    ...env,
  });
  return new PurgeLoop(new PurgeRepository(dataSource), metrics, config, createLogger('sender', { level: 'silent' }));
}

beforeAll(async () => {
  ({ dataSource, drop } = await schemaOfItsOwn('sender_retention', senderMigrations));
  metrics = new SenderMetrics(createMetrics('sender'));
  loop = loopOn();
});

afterAll(() => drop());

async function clear(): Promise<void> {
  await dataSource.query('TRUNCATE messages, cart_closures, contacts, opt_outs');
}

/** A message row as the pipeline, the delivery and the webhooks leave it, last changed `daysAgo`. */
async function seedMessage(sendId: string, state: string, daysAgo: number, withBody = true): Promise<void> {
  const deferred = state === 'deferred';
  await dataSource.query(
    `INSERT INTO messages (send_id, store_id, cart_id, phone, phone_number_id, state, locale, rendered_text, template,
       send_due, deferred_until, sending_since, history, created_at, updated_at)
     VALUES ($1, 'lola-shoes', $1, '+34600000001', '1065', $2, 'es', $3, $4, $5, $6, $7, $8, $9, $9)`,
    [
      sendId,
      state,
      withBody ? 'Hola Ana, tus zapatillas rojas te esperan' : null,
      withBody ? JSON.stringify({ name: 'cart_reminder', parameters: ['Ana', 'zapatillas rojas'] }) : null,
      withBody && deferred ? JSON.stringify({ sendId, customer: { phone: '+34600000001', name: 'Ana' } }) : null,
      deferred ? ago(daysAgo - 1) : null,
      state === 'sending' ? ago(daysAgo) : null,
      JSON.stringify([{ status: state, at: ago(daysAgo) }]),
      ago(daysAgo),
    ],
  );
}

async function messages(): Promise<Record<string, { state: string; body: boolean; history: number }>> {
  const rows: Array<{ send_id: string; state: string; body: boolean; history: number }> = await dataSource.query(
    `SELECT send_id, state, (rendered_text IS NOT NULL OR template IS NOT NULL OR send_due IS NOT NULL) AS body,
            jsonb_array_length(history) AS history
     FROM messages ORDER BY send_id`,
  );
  return Object.fromEntries(rows.map((r) => [r.send_id, { state: r.state, body: r.body, history: r.history }]));
}

const count = async (table: string) => Number((await dataSource.query(`SELECT count(*) AS n FROM ${table}`))[0].n);

describe('retention purge of the sender', () => {
  beforeEach(clear);

  it('deletes settled messages after their days, blanks bodies after theirs, never touches what is in flight', async () => {
    const settled = ['sent', 'delivered', 'read', 'failed', 'skipped', 'expired'];
    for (const [i, state] of settled.entries()) {
      await seedMessage(`old-${i}-${state}`, state, 91); // row gone
      await seedMessage(`mid-${i}-${state}`, state, 45); // body blanked, row kept
      await seedMessage(`new-${i}-${state}`, state, 5); // untouched
    }
    for (const days of [5, 45, 400]) {
      await seedMessage(`sending-${days}`, 'sending', days);
      await seedMessage(`deferred-${days}`, 'deferred', days);
      await seedMessage(`unknown-${days}`, 'unknown', days);
    }
    const blankedBefore = (await metrics.blankedBodies.get()).values[0]?.value ?? 0;

    const swept = await loop.sweepOnce();

    expect(swept).toEqual({ deleted: { messages: settled.length }, blanked: settled.length + 2 });
    const rows = await messages();
    for (const [i, state] of settled.entries()) {
      expect(rows[`old-${i}-${state}`]).toBeUndefined();
      expect(rows[`mid-${i}-${state}`]).toEqual({ state, body: false, history: 1 });
      expect(rows[`new-${i}-${state}`]).toEqual({ state, body: true, history: 1 });
    }
    for (const days of [5, 45, 400]) {
      // The fence and the deferral loop's send-due stay, whatever their age.
      expect(rows[`sending-${days}`]).toEqual({ state: 'sending', body: true, history: 1 });
      expect(rows[`deferred-${days}`]).toEqual({ state: 'deferred', body: true, history: 1 });
      // An unknown send stays as a row; its body is never sent again.
      expect(rows[`unknown-${days}`]).toEqual({ state: 'unknown', body: days < 30, history: 1 });
    }
    // A blanked row keeps its last change: it goes when its days are over, not later.
    const [{ updated_at }] = await dataSource.query(`SELECT updated_at FROM messages WHERE send_id = 'mid-0-sent'`);
    expect(new Date(updated_at).toISOString()).toBe(ago(45));
    expect((await metrics.purgedRows.get()).values).toContainEqual(
      expect.objectContaining({ labels: { table: 'messages' }, value: settled.length }),
    );
    expect((await metrics.blankedBodies.get()).values[0].value - blankedBefore).toBe(settled.length + 2);

    // A second sweep finds nothing more to do.
    expect(await loop.sweepOnce()).toEqual({ deleted: {}, blanked: 0 });
  });

  it('deletes closures after their days and frequency slots once their hold ended their days ago; keeps every opt-out', async () => {
    for (const [cart, days] of [
      ['converted-40', 40],
      ['emptied-31', 31],
      ['converted-29', 29],
      ['converted-1', 1],
    ] as const) {
      await dataSource.query(
        `INSERT INTO cart_closures (store_id, cart_id, kind, occurred_at) VALUES ('lola-shoes', $1, $2, $3)`,
        [cart, cart.split('-')[0], ago(days)],
      );
    }
    const slots: Array<[string, number, number]> = [
      // phone, last sent days ago, hold until days ago (negative: ahead)
      ['+34600000010', 60, 59], // ended long ago: goes
      ['+34600000011', 31, 31], // the rule off (hold = send), 31 days: goes
      ['+34600000012', 40, 20], // a long hold ended 20 days ago: stays
      ['+34600000013', 40, -1], // a hold still in force: stays
      ['+34600000014', 1, 0], // recent: stays
    ];
    for (const [phone, sent, until] of slots) {
      await dataSource.query(
        `INSERT INTO contacts (store_id, phone, last_send_id, last_sent_at, hold_until)
         VALUES ('lola-shoes', $1, $2, $3, $4)`,
        [phone, `send-${phone}`, ago(sent), ago(until)],
      );
    }
    for (const [i, days] of [1000, 400, 1].entries()) {
      await dataSource.query(
        `INSERT INTO opt_outs (store_id, phone, opted_out_at, source) VALUES ('lola-shoes', $1, $2, 'keyword')`,
        [`+3460000002${i}`, ago(days)],
      );
    }

    const swept = await loop.sweepOnce();

    expect(swept).toEqual({ deleted: { cart_closures: 2, contacts: 2 }, blanked: 0 });
    const column = async (sql: string) => ((await dataSource.query(sql)) as Array<{ k: string }>).map((r) => r.k);
    expect(await column('SELECT cart_id AS k FROM cart_closures ORDER BY cart_id')).toEqual([
      'converted-1',
      'converted-29',
    ]);
    expect(await column('SELECT phone AS k FROM contacts ORDER BY phone')).toEqual([
      '+34600000012',
      '+34600000013',
      '+34600000014',
    ]);
    expect(await count('opt_outs')).toBe(3);
  });

  it('leaves a row another transaction is writing for the next sweep', async () => {
    await seedMessage('old-busy', 'read', 120);
    await seedMessage('old-free', 'read', 120);
    const writer = dataSource.createQueryRunner();
    await writer.connect();
    await writer.startTransaction();
    try {
      await writer.query(`SELECT 1 FROM messages WHERE send_id = 'old-busy' FOR UPDATE`);
      expect(await loop.sweepOnce()).toEqual({ deleted: { messages: 1 }, blanked: 0 });
    } finally {
      await writer.rollbackTransaction();
      await writer.release();
    }
    expect(Object.keys(await messages())).toEqual(['old-busy']);
    expect(await loop.sweepOnce()).toEqual({ deleted: { messages: 1 }, blanked: 0 });
  });

  it('an instance that finds the purge lock taken deletes nothing; the next sweep does', async () => {
    await seedMessage('old-1', 'delivered', 100);
    await seedMessage('mid-1', 'delivered', 40);
    const other = dataSource.createQueryRunner();
    await other.connect();
    await other.startTransaction();
    try {
      // What another instance's purge batch holds while it runs.
      await other.query("SELECT pg_advisory_xact_lock(hashtext(current_schema() || ':sender-purge'))");
      expect(await loopOn().sweepOnce()).toEqual({ deleted: {}, blanked: 0 });
      expect(await messages()).toEqual({
        'mid-1': { state: 'delivered', body: true, history: 1 },
        'old-1': { state: 'delivered', body: true, history: 1 },
      });
    } finally {
      await other.rollbackTransaction();
      await other.release();
    }
    expect(await loopOn().sweepOnce()).toEqual({ deleted: { messages: 1 }, blanked: 1 });
  });

  it('stops on shutdown between two batches, leaving the rest for the next start', async () => {
    await dataSource.query(
      `INSERT INTO messages (send_id, store_id, cart_id, phone, state, history, created_at, updated_at)
       SELECT 'bulk-' || lpad(n::text, 5, '0'), 'lola-shoes', 'c' || n, '+34600000001', 'read', '[]', $1, $1
       FROM generate_series(1, 2000) AS n`,
      [ago(100)],
    );
    // The first sweep waits the interval (shorter than FIRST_SWEEP_AFTER_MS here).
    const running = loopOn({
      SENDER_PURGE_BATCH_SIZE: '10',
      SENDER_PURGE_PAUSE_MS: '20',
      SENDER_PURGE_INTERVAL_MS: '200',
    });
    running.onApplicationBootstrap();
    await new Promise((r) => setTimeout(r, 150));
    expect(await count('messages')).toBe(2000); // not at start-up
    await new Promise((r) => setTimeout(r, 400));
    await running.onModuleDestroy(); // resolves once the batch in progress ended
    const left = await count('messages');
    expect(left).toBeGreaterThan(0);
    expect(left).toBeLessThan(2000);
    expect(left % 10).toBe(0); // whole batches only
    await new Promise((r) => setTimeout(r, 200));
    expect(await count('messages')).toBe(left); // nothing runs after the stop
  });
});

// What a sweep costs (printed, not asserted: the machine is shared). Batches of the default
// 500, no pause; the figures are in docs/data-lifecycle.md.
describe('retention purge of the sender, at size', () => {
  beforeAll(clear);
  afterAll(clear);

  async function timed(label: string, purge: PurgeLoop) {
    const cpu = process.cpuUsage();
    const started = process.hrtime.bigint();
    const swept = await purge.sweepOnce();
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    const cpuMs = (process.cpuUsage(cpu).user + process.cpuUsage(cpu).system) / 1000;
    console.log(`${label}: ${(ms / 1000).toFixed(1)} s (${(cpuMs / 1000).toFixed(1)} s of this process's CPU)`, swept);
    return swept;
  }

  it('sweeps 100,000 messages none of which may go, then 200,000 of which half go and a tenth are blanked', async () => {
    const seed = (from: number, to: number, daysAgo: number) =>
      dataSource.query(
        `INSERT INTO messages (send_id, store_id, cart_id, phone, state, rendered_text, template, history, created_at, updated_at)
         SELECT 'bulk-' || lpad(n::text, 7, '0'), 'store-' || (n % 20), 'c' || n, '+346' || lpad(n::text, 8, '0'),
                'read', 'Hola Ana, tus zapatillas rojas te esperan',
                '{"name":"cart_reminder","parameters":["Ana","zapatillas rojas"]}',
                '[{"status":"sending","at":"2026-01-01T00:00:00Z"},{"status":"sent","at":"2026-01-01T00:00:01Z"},{"status":"read","at":"2026-01-01T01:00:00Z"}]',
                $1, $1
         FROM generate_series($2::int, $3::int) AS n`,
        [ago(daysAgo), from, to],
      );
    await seed(1, 100_000, 5);
    await dataSource.query('ANALYZE messages');
    const atDefault = { SENDER_PURGE_BATCH_SIZE: '500', SENDER_PURGE_PAUSE_MS: '0' };
    expect(await timed('100,000 messages, none to purge', loopOn(atDefault))).toEqual({ deleted: {}, blanked: 0 });

    await dataSource.query('UPDATE messages SET updated_at = $1', [ago(100)]);
    await seed(100_001, 200_000, 5);
    // A fifth of the recent ones past their body's days.
    await dataSource.query(
      `UPDATE messages SET updated_at = $1 WHERE send_id > 'bulk-0100000' AND right(send_id, 1) IN ('2', '6')`,
      [ago(40)],
    );
    await dataSource.query('ANALYZE messages');
    const swept = await timed('200,000 messages, half to purge, a tenth to blank', loopOn(atDefault));
    expect(swept).toEqual({ deleted: { messages: 100_000 }, blanked: 20_000 });
    expect(await count('messages')).toBe(100_000);
  });
});
