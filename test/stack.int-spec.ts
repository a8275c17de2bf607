import { randomUUID } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import { Client } from 'pg';
import { allTopics } from '../libs/contracts/src/topics';
import { alignTopicConfigs, ensureTopics } from '../scripts/stack';

// The local stack as jest's global setup left it: a real broker and a real PostgreSQL.
describe('local stack', () => {
  const brokers = process.env.KAFKA_BROKERS!;
  const kafka = new Kafka({ clientId: 'stack-int-spec', brokers: brokers.split(','), logLevel: logLevel.NOTHING });
  const prefix = `t-stack-${randomUUID().slice(0, 8)}.`;

  it('creates every contract topic under a prefix, with the configuration the contract gives it, idempotently', async () => {
    const created = await ensureTopics(brokers, prefix, 3);
    expect(created.sort()).toEqual(
      allTopics(prefix)
        .map((t) => t.name)
        .sort(),
    );
    expect(await ensureTopics(brokers, prefix, 3)).toEqual([]);

    const admin = kafka.admin();
    await admin.connect();
    try {
      const { topics } = await admin.fetchTopicMetadata({ topics: created });
      expect(topics.every((t) => t.partitions.length === 3)).toBe(true);
      // Every topic carries the configuration the contract gives it (retention, compaction, record size).
      for (const t of allTopics(prefix).filter((x) => Object.keys(x.config).length > 0)) {
        const configs = await admin.describeConfigs({
          includeSynonyms: false,
          resources: [{ type: 2 /* TOPIC */, name: t.name, configNames: Object.keys(t.config) }],
        });
        const actual = Object.fromEntries(configs.resources[0].configEntries.map((e) => [e.configName, e.configValue]));
        expect(actual).toEqual(t.config);
      }
    } finally {
      await admin.disconnect();
    }
    // A record over 1 MiB (the broker's default) is taken by cart-events-raw: ingest rejects it itself.
    const producer = kafka.producer({ idempotent: true });
    await producer.connect();
    try {
      const [ack] = await producer.send({
        topic: `${prefix}cart-events-raw`,
        messages: [{ key: 'big', value: Buffer.alloc(2 * 1024 * 1024, 'x') }],
      });
      expect(ack.errorCode).toBe(0);
    } finally {
      await producer.disconnect();
    }
  });

  it('gives topics created without it the configuration of the contracts, keeping their other settings', async () => {
    const old = `${prefix}old.`;
    const raw = `${old}cart-events-raw`;
    const settings = `${old}store-settings`;
    const admin = kafka.admin();
    await admin.connect();
    try {
      // As an older stack left them: default record size, cleanup and retention; an operator's
      // retention and segment size.
      await admin.createTopics({
        waitForLeaders: false,
        topics: [
          {
            topic: raw,
            numPartitions: 1,
            configEntries: [
              { name: 'retention.ms', value: '3600000' },
              { name: 'segment.ms', value: '3600000' },
            ],
          },
          { topic: settings, numPartitions: 1 },
        ],
      });
      expect((await alignTopicConfigs(brokers, old)).sort()).toEqual([raw, settings]);
      expect(await alignTopicConfigs(brokers, old)).toEqual([]);

      const configOf = async (name: string) => {
        const { resources } = await admin.describeConfigs({
          includeSynonyms: false,
          resources: [{ type: 2 /* TOPIC */, name }],
        });
        return Object.fromEntries(resources[0].configEntries.map((e) => [e.configName, e.configValue]));
      };
      const wanted = (name: string) => allTopics(old).find((t) => t.name === name)!.config;
      // The contract's retention replaces the old one (an upgrade gets it); other settings stay.
      expect(wanted(raw)['retention.ms']).toBe(String(22 * 86_400_000));
      expect(await configOf(raw)).toMatchObject({ ...wanted(raw), 'segment.ms': '3600000' });
      expect(await configOf(settings)).toMatchObject({ ...wanted(settings), 'cleanup.policy': 'compact' });
    } finally {
      await admin.deleteTopics({ topics: [raw, settings] }).catch(() => undefined);
      await admin.disconnect();
    }
  });

  it('round-trips records through a consumer group with eachBatch and a manual commit', async () => {
    const [topic] = await ensureTopics(brokers, `${prefix}rt.`, 3);
    const groupId = `${prefix}group`;
    // Idempotent, as the product's producer: a retried send never writes a record twice.
    const producer = kafka.producer({ idempotent: true });
    await producer.connect();
    const keys = Array.from({ length: 20 }, (_, i) => `cart-${i}`);
    await producer.send({ topic, messages: keys.map((key) => ({ key, value: JSON.stringify({ key }) })) });
    await producer.disconnect();

    const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 100 });
    const seen = new Set<string>();
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    try {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`saw ${seen.size} of ${keys.length} keys`)), 30_000);
        void consumer.run({
          autoCommit: false,
          eachBatch: async ({ batch, resolveOffset, heartbeat }) => {
            for (const message of batch.messages) {
              seen.add(message.key!.toString());
              resolveOffset(message.offset);
            }
            const next = (BigInt(batch.lastOffset()) + 1n).toString();
            await consumer.commitOffsets([{ topic, partition: batch.partition, offset: next }]);
            await heartbeat();
            if (seen.size >= keys.length) {
              clearTimeout(timer);
              resolve();
            }
          },
        });
      });
    } finally {
      await consumer.disconnect();
    }
    expect([...seen].sort()).toEqual([...keys].sort());

    const admin = kafka.admin();
    await admin.connect();
    try {
      const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
      const ends = await admin.fetchTopicOffsets(topic);
      const byPartition = (
        rows: Array<{ partition: number; offset?: string; high?: string }>,
        key: 'offset' | 'high',
      ) => Object.fromEntries(rows.map((r) => [r.partition, r[key]]));
      expect(byPartition(committed.partitions, 'offset')).toEqual(byPartition(ends, 'high'));
      expect(ends.reduce((sum, p) => sum + Number(p.high), 0)).toBe(keys.length);
    } finally {
      await admin.disconnect();
    }
  });

  it('answers `select 1` on DATABASE_URL', async () => {
    const client = new Client({ connectionString: process.env.DATABASE_URL });
    await client.connect();
    try {
      const { rows } = await client.query<{ one: number }>('select 1 as one');
      expect(rows).toEqual([{ one: 1 }]);
    } finally {
      await client.end();
    }
  });
});
