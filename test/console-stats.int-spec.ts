// The console's stats: the browser asks ingest, ingest forwards the console token (never an
// API key) to the scheduler's console route, and the scheduler verifies it itself.
import { TEST_CONSOLE_SIGNING_KEYS, forgedToken } from '../apps/ingest/test/console-keys';
import { IngestUnderTest, startIngest, TEST_API_KEY } from '../apps/ingest/test/ingest-app';
import {
  API_KEY as SCHEDULER_API_KEY,
  isolatedEnvironment,
  RunningScheduler,
  startScheduler,
} from '../apps/scheduler/test/harness';

let scheduler: RunningScheduler;
let ingest: IngestUnderTest;

const week = { mon: [], tue: [], wed: [], thu: [], fri: [], sat: [], sun: [] };
const store = (storeId: string) => ({
  storeId,
  name: storeId,
  timezone: 'Europe/Madrid',
  defaultCountry: 'ES',
  locale: 'es',
  openingHours: week,
  closedDates: [],
  whatsapp: { phoneNumberId: '106540352242922', accessToken: 'EAAG-write-only-access-token', mode: 'text' },
});

beforeAll(async () => {
  scheduler = await startScheduler(await isolatedEnvironment('console-stats'), {
    CONSOLE_SIGNING_KEYS: TEST_CONSOLE_SIGNING_KEYS,
  });
  ingest = await startIngest('console-stats-ingest', {
    CONSOLE_SIGNING_KEYS: TEST_CONSOLE_SIGNING_KEYS,
    CONSOLE_SCHEDULER_URL: `${scheduler.url}/`,
  });
  for (const id of ['store-a', 'store-b']) {
    const put = await fetch(`${ingest.url}/v1/stores/${id}`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${TEST_API_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify(store(id)),
    });
    expect(put.status).toBe(201);
  }
});

afterAll(async () => {
  await ingest?.close();
  await scheduler?.close();
});

async function mint(storeId: string): Promise<string> {
  const minted = await fetch(`${ingest.url}/v1/stores/${storeId}/console-tokens`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TEST_API_KEY}` },
  });
  return ((await minted.json()) as { token: string }).token;
}

async function get(url: string, token: string | null) {
  const res = await fetch(url, { headers: token ? { authorization: `Bearer ${token}` } : {} });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

describe('console stats', () => {
  it('reach the browser through ingest with the console token, for its store only', async () => {
    const tokenA = await mint('store-a');
    const own = await get(`${ingest.url}/console/api/stores/store-a/stats?from=2026-11-01T00:00:00Z`, tokenA);
    expect(own.status).toBe(200);
    expect(own.body).toMatchObject({ storeId: 'store-a', from: '2026-11-01T00:00:00.000Z' });
    expect((await get(`${ingest.url}/console/api/stores/store-b/stats`, tokenA)).status).toBe(403);
    // The scheduler's window checks come back as they are.
    expect((await get(`${ingest.url}/console/api/stores/store-a/stats?from=nope`, tokenA)).status).toBe(400);
  });

  it('the scheduler verifies the token itself: another store, forged, expired, or an API key are refused', async () => {
    const tokenA = await mint('store-a');
    const at = (storeId: string) => `${scheduler.url}/console/api/stores/${storeId}/stats`;
    expect((await get(at('store-a'), tokenA)).status).toBe(200);
    expect((await get(at('store-b'), tokenA)).status).toBe(403);
    const [h, c, s] = tokenA.split('.');
    const claims = JSON.parse(Buffer.from(c, 'base64url').toString());
    const toB = Buffer.from(JSON.stringify({ ...claims, store: 'store-b' })).toString('base64url');
    expect(await get(at('store-b'), `${h}.${toB}.${s}`)).toMatchObject({
      status: 401,
      body: { reason: 'bad-signature' },
    });
    const expired = forgedToken('store-a', { now: new Date(Date.now() - 20 * 60_000) });
    expect(await get(at('store-a'), expired)).toMatchObject({ status: 401, body: { reason: 'expired' } });
    expect(await get(at('store-a'), SCHEDULER_API_KEY)).toMatchObject({ status: 401, body: { reason: 'malformed' } });
    expect(await get(at('store-a'), null)).toMatchObject({ status: 401, body: { reason: 'missing' } });
    // And the platform API's stats route takes no console token.
    expect((await get(`${scheduler.url}/v1/stores/store-a/stats`, tokenA)).status).toBe(401);
  });
});
