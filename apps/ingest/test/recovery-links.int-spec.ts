import { TOPIC } from '@lib/contracts';
import { mintLinkToken, parseLinkSigningKeys } from '@lib/secrets';
import { DataSource } from 'typeorm';
import { readTopic, testKafka } from '../../../test/support/kafka';
import { IngestUnderTest, startIngest } from './ingest-app';

const kafka = testKafka();
const LINK_KEYS = `links-1:${Buffer.alloc(32, 'recovery links test key').toString('base64')}`;
const keys = parseLinkSigningKeys(LINK_KEYS);
const WAIT_MS = 1000;
const IPHONE =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1';
const split = [['09:00', '20:00']];
const lola = {
  storeId: 'lola-shoes',
  name: 'Lola',
  timezone: 'Europe/Madrid',
  defaultCountry: 'ES',
  locale: 'es',
  openingHours: { mon: split, tue: split, wed: split, thu: split, fri: split, sat: [], sun: [] },
  closedDates: [],
  whatsapp: { phoneNumberId: '106540352242922', accessToken: 'EAAG-links-test-token', mode: 'text' },
};
let ingest: IngestUnderTest;

beforeAll(async () => {
  ingest = await startIngest(
    'ingest-links',
    { LINK_SIGNING_KEYS: LINK_KEYS, LINK_WAIT_MS: String(WAIT_MS) },
    [],
    [{ storeId: lola.storeId, settings: lola }],
  );
});

afterAll(async () => {
  await ingest?.close();
});

async function publishLink(token: string, storeId = 'lola-shoes', cartId = 'c1', extra: object = {}): Promise<void> {
  const producer = kafka.producer();
  await producer.connect();
  await producer.send({
    topic: ingest.topic(TOPIC.recoveryLinks),
    messages: [
      {
        key: `${storeId}:${cartId}`,
        value: JSON.stringify({
          schemaVersion: 1,
          token,
          sendId: `${storeId}:${cartId}:1`,
          storeId,
          cartId,
          destination: `https://lola.example/cart/recover/${cartId}?key=k1`,
          createdAt: new Date().toISOString(),
          ...extra,
        }),
      },
    ],
  });
  await producer.disconnect();
}

async function visit(token: string, userAgent = IPHONE, method = 'GET') {
  const started = Date.now();
  const res = await fetch(`${ingest.url}/r/${token}`, {
    method,
    redirect: 'manual',
    headers: { 'user-agent': userAgent },
  });
  await res.arrayBuffer();
  return { status: res.status, location: res.headers.get('location'), headers: res.headers, ms: Date.now() - started };
}

async function row(token: string): Promise<Record<string, unknown> | undefined> {
  const rows: Array<Record<string, unknown>> = await ingest.app
    .get(DataSource)
    .query(
      'SELECT clicks, previews, first_clicked_at, user_agent_class, row_to_json(l)::text AS text FROM recovery_links l WHERE token = $1',
      [token],
    );
  return rows[0];
}

describe('GET /r/{token} (real Kafka and PostgreSQL)', () => {
  it('counts two clicks once each on one link, keeping the first time, and redirects with the UTM parameters', async () => {
    const token = mintLinkToken(keys);
    await publishLink(token, 'lola-shoes', 'c1', { utmCampaign: 'navidad' });
    const first = await visit(token);
    expect(first.status).toBe(302);
    const location = new URL(first.location!);
    expect(location.origin + location.pathname).toBe('https://lola.example/cart/recover/c1');
    expect(Object.fromEntries(location.searchParams)).toEqual({
      key: 'k1',
      utm_source: 'whatsapp',
      utm_medium: 'message',
      utm_campaign: 'navidad',
    });
    expect(first.headers.get('cache-control')).toBe('no-store');
    expect(first.headers.get('referrer-policy')).toBe('no-referrer');
    const second = await visit(token);
    expect(second.status).toBe(302);

    const kept = (await row(token))!;
    expect(kept).toMatchObject({ clicks: 2, previews: 0, user_agent_class: 'mobile' });
    // Nothing of the visitor but the kind of browser: no address, no User-Agent.
    expect(String(kept.text)).not.toMatch(/127\.0\.0\.1|::1|iPhone|Mozilla/);

    const clicks = await readTopic(kafka, ingest.topic(TOPIC.linkClicks), 2);
    const values = clicks.map((c) => JSON.parse(c.value!) as Record<string, unknown>);
    expect(clicks.map((c) => c.key)).toEqual(['lola-shoes:c1', 'lola-shoes:c1']);
    expect(values.map((v) => v.clicks)).toEqual([1, 2]);
    expect(values[1].firstClickedAt).toBe(values[0].firstClickedAt);
    expect(values[0]).toMatchObject({ sendId: 'lola-shoes:c1:1', storeId: 'lola-shoes', userAgentClass: 'mobile' });
    expect(new Date(String(values[0].firstClickedAt)).getTime()).toBe((kept.first_clicked_at as Date).getTime());
  });

  it("redirects WhatsApp's preview, other bots and HEAD requests without counting them", async () => {
    const token = mintLinkToken(keys);
    await publishLink(token, 'lola-shoes', 'c2');
    for (const ua of ['WhatsApp/2.23.20.0 A', 'facebookexternalhit/1.1', 'Twitterbot/1.0', 'curl/8.4.0', '']) {
      const answer = await visit(token, ua);
      expect({ ua, status: answer.status, location: answer.location?.split('?')[0] }).toEqual({
        ua,
        status: 302,
        location: 'https://lola.example/cart/recover/c2',
      });
    }
    expect((await visit(token, IPHONE, 'HEAD')).status).toBe(302);
    expect(await row(token)).toMatchObject({ clicks: 0, previews: 6, first_clicked_at: null });
  });

  it('answers 404 at once to a forged or malformed token, recording nothing, and after a wait to an unknown one', async () => {
    const token = mintLinkToken(keys);
    await publishLink(token, 'lola-shoes', 'c3');
    const [id, tag] = token.split('.');
    const forged = `${id}.${(tag[0] === 'A' ? 'B' : 'A') + tag.slice(1)}`;
    const otherKey = mintLinkToken(parseLinkSigningKeys(`x:${Buffer.alloc(32, 9).toString('base64')}`));
    for (const bad of [forged, otherKey, 'not-a-token', `${token}x`]) {
      const answer = await visit(bad);
      expect({ bad, status: answer.status }).toEqual({ bad, status: 404 });
      // The tag is checked before any lookup: no wait for a link that could never come.
      expect(answer.ms).toBeLessThan(WAIT_MS / 2);
    }
    // The real link is untouched by the forgeries.
    await expect(visit(token, 'WhatsApp/2.23.20.0 A')).resolves.toMatchObject({ status: 302 });
    expect(await row(token)).toMatchObject({ clicks: 0 });

    const unknown = await visit(mintLinkToken(keys));
    expect(unknown.status).toBe(404);
    expect(unknown.ms).toBeGreaterThanOrEqual(WAIT_MS - 200);
  });

  it('waits for a link the sender published a moment ago, and 404s a link of a store that is gone', async () => {
    const late = mintLinkToken(keys);
    const answer = visit(late);
    await new Promise((r) => setTimeout(r, 200));
    await publishLink(late, 'lola-shoes', 'c4');
    await expect(answer).resolves.toMatchObject({ status: 302 });
    expect(await row(late)).toMatchObject({ clicks: 1 });

    const orphan = mintLinkToken(keys);
    await publishLink(orphan, 'gone-store', 'c5');
    for (let i = 0; i < 50 && !(await row(orphan)); i++) await new Promise((r) => setTimeout(r, 100));
    expect(await row(orphan)).toBeDefined();
    expect((await visit(orphan)).status).toBe(404);
    expect(await row(orphan)).toMatchObject({ clicks: 0 });
  });
});
