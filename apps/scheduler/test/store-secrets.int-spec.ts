import { TOPIC } from '@lib/contracts';
import { sealedSettings } from '../../../test/support/secrets';
import { eventually } from '../../../test/support/kafka';
import {
  closeDatabases,
  database,
  isolatedEnvironment,
  produce,
  RunningScheduler,
  startScheduler,
  STORE,
  storeSettings,
} from './harness';

const running: RunningScheduler[] = [];
afterAll(async () => {
  await closeDatabases();
  await Promise.all(running.map((s) => s.close().catch(() => undefined)));
});

it("keeps no secret in the scheduler's copy of the settings: neither sealed nor from records published before encryption", async () => {
  const env = await isolatedEnvironment('secrets');
  const sealed = sealedSettings(
    storeSettings({ storeId: 'sealed-shop', shopify: { webhookSecret: 'shpss_sealed_0123' } }),
  );
  const plain = storeSettings({ shopify: { webhookSecret: 'shpss_plain_0123' } });
  await produce(env.topic(TOPIC.storeSettings), [
    { key: STORE, value: plain },
    { key: 'sealed-shop', value: sealed },
  ]);
  running.push(await startScheduler(env));
  const db = await database(env.schema);
  const { rows } = await eventually(
    () => db.query('SELECT store_id, settings::text AS text FROM store_settings WHERE settings IS NOT NULL'),
    (r) => r.rows.length === 2,
  );
  for (const row of rows) {
    expect(row.text).toContain('"phoneNumberId"');
    expect(row.text).not.toMatch(/accessToken|webhookSecret|secret-token-123|shpss_|enc:v1/);
  }
});
