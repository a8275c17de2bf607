import { TOPIC } from '@lib/contracts';
import { parsePhoneHashKey } from '@lib/secrets';
import { DataSource } from 'typeorm';
import { eventually, readTopic, testKafka } from '../../../test/support/kafka';
import { IngestUnderTest, startIngest, TEST_API_KEY } from './ingest-app';

const kafka = testKafka();
const HASH_KEY = Buffer.alloc(32, 'erasure test key').toString('base64');
const PHONE = '+34600123987';
let ingest: IngestUnderTest;

beforeAll(async () => {
  ingest = await startIngest('ingest-erasure', { ERASURE_HASH_KEY: HASH_KEY });
});

afterAll(async () => {
  await ingest?.close();
});

async function call(method: string, path: string, body?: unknown, key: string | null = TEST_API_KEY) {
  const res = await fetch(`${ingest.url}${path}`, {
    method,
    headers: {
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...(key ? { authorization: `Bearer ${key}` } : {}),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

describe('erasure requests API (real Kafka and PostgreSQL)', () => {
  it('accepts a request with 202, publishes it keyed by the phone and keeps only the keyed hash', async () => {
    const answer = await call('POST', '/v1/erasure-requests', { phone: PHONE, storeId: 'lola-shoes' });
    expect(answer.status).toBe(202);
    const id = String(answer.body.id);
    const [record] = await readTopic(kafka, ingest.topic(TOPIC.erasureRequests), 1);
    expect(record.key).toBe(PHONE);
    expect(JSON.parse(record.value!)).toMatchObject({ schemaVersion: 1, id, phone: PHONE, storeId: 'lola-shoes' });

    const rows: Array<Record<string, unknown>> = await ingest.app
      .get(DataSource)
      .query('SELECT row_to_json(e)::text AS text, phone_hash FROM erasure_requests e WHERE id = $1', [id]);
    expect(rows).toHaveLength(1);
    expect(rows[0].text).not.toContain('600123987');
    expect(rows[0].phone_hash).toBe(parsePhoneHashKey(HASH_KEY).hash(PHONE));

    const pending = await call('GET', `/v1/erasure-requests/${id}`);
    expect(pending.status).toBe(200);
    expect(pending.body).toMatchObject({ id, storeId: 'lola-shoes', status: 'pending' });
    expect(pending.body.services).toMatchObject({ scheduler: null, sender: null });
    expect((pending.body.services as Record<string, unknown>).ingest).toEqual(expect.any(String));

    // The scheduler and the sender report on erasure-completions; a redelivery changes nothing.
    const producer = kafka.producer();
    await producer.connect();
    const completion = (service: string, at: string) => ({
      key: id,
      value: JSON.stringify({ schemaVersion: 1, id, service, completedAt: at }),
    });
    await producer.send({
      topic: ingest.topic(TOPIC.erasureCompletions),
      messages: [
        completion('scheduler', '2026-12-07T10:00:01.000Z'),
        completion('sender', '2026-12-07T10:00:02.000Z'),
        completion('sender', '2026-12-07T10:00:09.000Z'),
        { key: id, value: 'not json' },
      ],
    });
    await producer.disconnect();
    const done = await eventually(
      () => call('GET', `/v1/erasure-requests/${id}`),
      (r) => r.body.status === 'done',
    );
    expect(done.body.services).toMatchObject({
      scheduler: '2026-12-07T10:00:01.000Z',
      sender: '2026-12-07T10:00:02.000Z',
    });
    const [dead] = await readTopic(kafka, ingest.topic(`${TOPIC.erasureCompletions}-dlq`), 1);
    expect(dead.headers['dlq-reason']).toBe('not-json');
  });

  it('takes a request for every store (storeId left out)', async () => {
    const answer = await call('POST', '/v1/erasure-requests', { phone: '+34600123988' });
    expect(answer.status).toBe(202);
    const status = await call('GET', `/v1/erasure-requests/${String(answer.body.id)}`);
    expect(status.body.storeId).toBeNull();
  });

  it('refuses a bad body with 400 or 422 naming every problem, an unknown key with 401, an unknown id with 404', async () => {
    expect((await call('POST', '/v1/erasure-requests', [PHONE])).status).toBe(400);
    const refused = await call('POST', '/v1/erasure-requests', { phone: '600 123 987', storeId: 'a b' });
    expect(refused.status).toBe(422);
    expect(refused.body.problems).toEqual([
      'phone: must be E.164 (+34600111222)',
      'storeId: must match [A-Za-z0-9._-]{1,64} (or be left out: every store)',
    ]);
    expect((await call('POST', '/v1/erasure-requests', { phone: PHONE }, 'wrong-key')).status).toBe(401);
    expect((await call('GET', '/v1/erasure-requests/0b5f3f6e-8d8e-4e4b-9a8e-2f1c7d9b6a11')).status).toBe(404);
    expect((await call('GET', '/v1/erasure-requests/not-a-uuid')).status).toBe(404);
    expect(ingest.logs.join('\n')).not.toContain('600123987');
  });
});
