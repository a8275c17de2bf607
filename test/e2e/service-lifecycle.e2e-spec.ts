import { spawnSync } from 'node:child_process';
import { Client } from 'pg';
import { allTopics, cartKey, DLQ_HEADER, TOPIC } from '@lib/contracts';
import { committedVsEnd, createTopics, readTopic, testKafka, uniquePrefix } from '../support/kafka';
import { ingestMigrations } from '../../apps/ingest/src/migrations';
import { AppName, RunningService, startService } from '../support/services';

const kafka = testKafka();
const running: RunningService[] = [];
afterAll(async () => {
  await Promise.all(running.map((s) => s.stop('SIGKILL')));
});

function cartEvent(i: number) {
  return {
    schemaVersion: 1,
    eventId: `evt-${i}`,
    type: 'cart.updated',
    occurredAt: new Date(Date.now() - 60_000).toISOString(),
    storeId: 'lola-shoes',
    cartId: `c-${i}`,
    items: [{ sku: 'ZAP-42', title: 'Zapatillas Lola', quantity: 1, unitPrice: '59.90' }],
    currency: 'eur',
    total: '59.90',
    recoveryUrl: `https://lola.example/cart/recover/${i}`,
  };
}

// What each service needs beyond the shared environment (webhook secrets of the sender).
const ownEnv: Record<AppName, Record<string, string>> = {
  ingest: {},
  scheduler: {},
  sender: { WHATSAPP_APP_SECRET: 'lifecycle-app-secret', WHATSAPP_VERIFY_TOKEN: 'lifecycle-verify-token' },
};

async function start(name: AppName, prefix: string, schema: string, env: Record<string, string> = {}) {
  const service = await startService(name, { ...ownEnv[name], TOPIC_PREFIX: prefix, DATABASE_SCHEMA: schema, ...env });
  running.push(service);
  return service;
}

describe('the three services as processes', () => {
  it.each(['ingest', 'scheduler', 'sender'] as const)(
    '%s starts, is ready, serves metrics, and stops with exit 0',
    async (name) => {
      const prefix = uniquePrefix(name);
      await createTopics(
        kafka,
        allTopics(prefix).map((t) => t.name),
      );
      const service = await start(name, prefix, `${name}_${prefix.replace(/[^a-z0-9]/g, '_')}`);
      await service.waitUntil((h) => h.status === 200);
      const health = await service.health();
      expect(health.body.checks.kafka.status).toBe('up');
      expect(health.body.checks.postgres.status).toBe('up');
      const live = await fetch(`${service.url}/health/live`);
      expect(live.status).toBe(200);
      const metrics = await (await fetch(`${service.url}/metrics`)).text();
      expect(metrics).toContain('process_resident_memory_bytes');
      expect(metrics).toContain(`service="${name}"`);
      expect(await service.stop('SIGTERM')).toEqual({ code: 0, signal: null });
      const lines = service.logs.map((l) => JSON.parse(l) as { service: string; level: string; message: string });
      expect(lines.every((l) => l.service === name)).toBe(true);
      expect(lines.map((l) => l.message)).toContain('stopped cleanly');
    },
  );

  it('sender: SIGTERM while its facts cannot catch up (an output never acknowledged) exits 0 within seconds', async () => {
    const prefix = uniquePrefix('catchup-stop');
    // No DLQ for store-settings: a poison record there can never be dead-lettered, so the
    // facts group never commits past it and the catch-up would wait its whole minute.
    const settingsDlq = `${prefix}${TOPIC.storeSettings}-dlq`;
    await createTopics(
      kafka,
      allTopics(prefix)
        .map((t) => t.name)
        .filter((n) => n !== settingsDlq),
    );
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({
      topic: `${prefix}${TOPIC.storeSettings}`,
      messages: [{ key: 'lola-shoes', value: '{"poison": ' }],
    });
    await producer.disconnect();

    const sender = await startService('sender', {
      ...ownEnv.sender,
      TOPIC_PREFIX: prefix,
      DATABASE_SCHEMA: `sender_${prefix.replace(/[^a-z0-9]/g, '_')}`,
      SENDER_FACTS_CATCH_UP_TIMEOUT_MS: '60000',
      SHUTDOWN_TIMEOUT_MS: '20000',
    });
    running.push(sender);
    const messages = () => sender.logs.map((l) => (JSON.parse(l) as { message: string }).message);
    const until = Date.now() + 60_000;
    while (!messages().includes('consumer started') && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
    expect(messages()).toContain('consumer started'); // the facts consumer, not yet send-due
    await new Promise((r) => setTimeout(r, 1000));

    const stopAsked = Date.now();
    expect(await sender.stop('SIGTERM')).toEqual({ code: 0, signal: null });
    // Well before the catch-up's minute or the shutdown guard's 20 s.
    expect(Date.now() - stopAsked).toBeLessThan(15_000);
    expect(messages()).toContain('stopped cleanly');
    expect(messages()).not.toContain('facts read before send-due');
  });

  it('ingest: SIGTERM during a batch finishes it, commits, exits 0, and a restart loses nothing', async () => {
    const prefix = uniquePrefix('sigterm');
    await createTopics(
      kafka,
      allTopics(prefix).map((t) => t.name),
    );
    const raw = `${prefix}${TOPIC.cartEventsRaw}`;
    const total = 40_000;
    const producer = kafka.producer();
    await producer.connect();
    for (let from = 0; from < total; from += 2000) {
      const messages = [];
      for (let i = from; i < from + 2000; i++) {
        const value = i % 1000 === 7 ? '{"poison": true' : JSON.stringify(cartEvent(i));
        messages.push({ key: cartKey('lola-shoes', `c-${i}`), value });
      }
      await producer.send({ topic: raw, messages });
    }
    await producer.disconnect();

    const schema = `ingest_${prefix.replace(/[^a-z0-9]/g, '_')}`;
    const first = await start('ingest', prefix, schema);
    // Stop as soon as the first records have gone through: mid-stream, inside a batch.
    const until = Date.now() + 60_000;
    while ((await committedVsEnd(kafka, 'ingest', raw)).committed === 0 && Date.now() < until) {
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(await first.stop('SIGTERM')).toEqual({ code: 0, signal: null });
    const afterStop = await committedVsEnd(kafka, 'ingest', raw);
    expect(afterStop.committed).toBeGreaterThan(0);
    expect(afterStop.committed).toBeLessThan(total); // the stop came mid-stream

    // Everything committed has its output acknowledged (at least once, maybe more).
    const outTopic = `${prefix}${TOPIC.cartEvents}`;
    const dlqTopic = `${prefix}${TOPIC.cartEventsRaw}-dlq`;
    const outputsSoFar = (await committedVsEnd(kafka, 'none', outTopic)).end;
    const deadSoFar = (await committedVsEnd(kafka, 'none', dlqTopic)).end;
    expect(outputsSoFar + deadSoFar).toBeGreaterThanOrEqual(afterStop.committed);

    const second = await start('ingest', prefix, schema);
    const done = Date.now() + 120_000;
    let offsets = afterStop;
    while (offsets.committed < total && Date.now() < done) {
      await new Promise((r) => setTimeout(r, 250));
      offsets = await committedVsEnd(kafka, 'ingest', raw);
    }
    expect(offsets).toEqual({ committed: total, end: total });
    expect(await second.stop('SIGTERM')).toEqual({ code: 0, signal: null });

    const poison = total / 1000;
    // Read every record (a restart may have written some twice), then compare distinct sources.
    const dead = await readTopic(kafka, dlqTopic, (await committedVsEnd(kafka, 'none', dlqTopic)).end);
    const sources = dead.map((d) => `${d.headers[DLQ_HEADER.sourcePartition]}/${d.headers[DLQ_HEADER.sourceOffset]}`);
    expect(new Set(sources).size).toBe(poison);
    expect(dead.every((d) => d.headers[DLQ_HEADER.reason] === 'not-json')).toBe(true);
    const outputs = await readTopic(kafka, outTopic, (await committedVsEnd(kafka, 'none', outTopic)).end, 60_000);
    const carts = new Set(outputs.map((r) => r.key));
    expect(carts.size).toBe(total - poison); // nothing lost across the stop
    expect(JSON.parse(outputs[0].value!).currency).toBe('EUR');
  });

  it('ingest: killed, its restart answers HTTP at once, and consumes once the broker dropped the dead member', async () => {
    const prefix = uniquePrefix('killed');
    await createTopics(
      kafka,
      allTopics(prefix).map((t) => t.name),
    );
    const schema = `ingest_${prefix.replace(/[^a-z0-9]/g, '_')}`;
    // A group of its own: the dead member holds its group's joins for 30 s.
    const groupId = `${prefix}ingest`;
    const env = { API_KEYS: 'lifecycle-platform-key', INGEST_GROUP_ID: groupId };
    const consuming = (s: RunningService) => s.logs.some((l) => l.includes('consuming raw cart events'));
    const first = await start('ingest', prefix, schema, env);
    await first.waitUntil(() => consuming(first));
    expect(await first.stop('SIGKILL')).toEqual({ code: null, signal: 'SIGKILL' });

    const restarted = Date.now();
    const second = await start('ingest', prefix, schema, env);
    await second.waitUntil((h) => h.status === 200);
    const answer = await fetch(`${second.url}/v1/cart-events`, {
      method: 'POST',
      headers: { authorization: 'Bearer lifecycle-platform-key', 'content-type': 'application/json' },
      body: JSON.stringify(cartEvent(1)),
    });
    expect(answer.status).toBe(200);
    // The killed member's session lasts 30 s: the HTTP inputs did not wait for it.
    expect(Date.now() - restarted).toBeLessThan(15_000);
    expect(consuming(second)).toBe(false);

    // The raw-event consumer joins behind the open port, then reads what platforms publish.
    const raw = `${prefix}${TOPIC.cartEventsRaw}`;
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({
      topic: raw,
      messages: [{ key: cartKey('lola-shoes', 'c-2'), value: JSON.stringify(cartEvent(2)) }],
    });
    await producer.disconnect();
    await second.waitUntil(() => consuming(second), 90_000);
    const until = Date.now() + 60_000;
    while ((await committedVsEnd(kafka, groupId, raw)).committed < 1 && Date.now() < until) {
      await new Promise((r) => setTimeout(r, 250));
    }
    expect(await committedVsEnd(kafka, groupId, raw)).toEqual({ committed: 1, end: 1 });
    expect(await second.stop('SIGTERM')).toEqual({ code: 0, signal: null });
  });

  // The scheduler's timer loop and routes, the sender's webhooks: none waits for a consumer.
  // Both in one test, killed and restarted side by side: each waits out a 30 s session.
  it('scheduler and sender: killed, their restarts answer HTTP at once, and their consumers join once the broker dropped the dead members', async () => {
    const prefix = uniquePrefix('killed-both');
    await createTopics(
      kafka,
      allTopics(prefix).map((t) => t.name),
    );
    const cases: Array<{ name: AppName; env: Record<string, string>; joined: string }> = [
      {
        name: 'scheduler',
        env: { SCHEDULER_GROUP_ID: `${prefix}scheduler` },
        joined: 'joined consumer group',
      },
      {
        name: 'sender',
        env: { SENDER_GROUP_ID: `${prefix}sender`, SENDER_FACTS_GROUP_ID: `${prefix}sender-facts` },
        joined: 'facts read before send-due',
      },
    ];
    const schemaOf = (name: string) => `${name}_${prefix.replace(/[^a-z0-9]/g, '_')}`;
    const hasJoined = (s: RunningService, line: string) => s.logs.some((l) => l.includes(line));
    await Promise.all(
      cases.map(async (c) => {
        const first = await start(c.name, prefix, schemaOf(c.name), c.env);
        await first.waitUntil(() => hasJoined(first, c.joined));
        expect(await first.stop('SIGKILL')).toEqual({ code: null, signal: 'SIGKILL' });
      }),
    );

    const restarted = Date.now();
    const seconds = await Promise.all(cases.map((c) => start(c.name, prefix, schemaOf(c.name), c.env)));
    await Promise.all(seconds.map((s) => s.waitUntil((h) => h.status === 200)));
    // The killed members' sessions last 30 s: the ports did not wait for them.
    expect(Date.now() - restarted).toBeLessThan(15_000);
    expect(cases.map((c, i) => hasJoined(seconds[i], c.joined))).toEqual([false, false]);
    await Promise.all(cases.map((c, i) => seconds[i].waitUntil(() => hasJoined(seconds[i], c.joined), 90_000)));
    expect(cases.map((c, i) => hasJoined(seconds[i], c.joined))).toEqual([true, true]);
    expect(await Promise.all(seconds.map((s) => s.stop('SIGTERM')))).toEqual([
      { code: 0, signal: null },
      { code: 0, signal: null },
    ]);
  });

  it('migrate applies the ingest schema once, as a command, and again is a no-op', async () => {
    const schema = `ingest_migrate_${Date.now()}`;
    const migrate = () =>
      spawnSync(process.execPath, ['dist/apps/ingest/main.js', 'migrate'], {
        env: {
          PATH: process.env.PATH,
          KAFKA_BROKERS: process.env.KAFKA_BROKERS,
          DATABASE_URL: process.env.DATABASE_URL,
          DATABASE_SCHEMA: schema,
        },
        encoding: 'utf8',
      });
    const first = migrate();
    expect(first.status).toBe(0);
    expect(first.stdout).toContain('StoreSettings1764000000000');
    const second = migrate();
    expect(second.status).toBe(0);
    const pg = new Client({ connectionString: process.env.DATABASE_URL });
    await pg.connect();
    try {
      const tables = await pg.query(
        `select table_name from information_schema.tables where table_schema = $1 order by table_name`,
        [schema],
      );
      expect(tables.rows.map((r) => r.table_name)).toEqual([
        'erasure_requests',
        'migrations',
        'recovery_links',
        'shopify_reconciliation',
        'store_settings',
      ]);
      const applied = await pg.query(`select name from "${schema}".migrations order by id`);
      // Each migration once, in order, however many times migrate ran.
      expect(applied.rows.map((r) => r.name)).toEqual(ingestMigrations.map((m) => m.name));
      expect(applied.rows.map((r) => r.name)[0]).toBe('StoreSettings1764000000000');
    } finally {
      await pg.end();
    }
  });
});
