import { ConfigError } from '@lib/config';
import { readIngestConfig } from './config';

const base = {
  KAFKA_BROKERS: '127.0.0.1:9092',
  DATABASE_URL: 'postgres://u@127.0.0.1:5432/db',
  API_KEYS: 'k-0123456789abcdef',
  SECRETS_ENCRYPTION_KEYS: `k1:${Buffer.alloc(32, 7).toString('base64')}`,
};

describe('ingest configuration', () => {
  it('has the documented fetch defaults, and takes other values', () => {
    expect(readIngestConfig(base)).toMatchObject({
      INGEST_FETCH_BYTES_PER_PARTITION: 524_288,
      INGEST_FETCH_AHEAD_RECORDS: 4000,
    });
    const tuned = readIngestConfig({
      ...base,
      INGEST_FETCH_BYTES_PER_PARTITION: '262144',
      INGEST_FETCH_AHEAD_RECORDS: '0',
    });
    expect(tuned).toMatchObject({ INGEST_FETCH_BYTES_PER_PARTITION: 262_144, INGEST_FETCH_AHEAD_RECORDS: 0 });
  });

  it("refuses to start without a keyring for the stores' secrets", () => {
    const { SECRETS_ENCRYPTION_KEYS: _keys, ...withoutKeys } = base;
    expect(() => readIngestConfig(withoutKeys)).toThrow(/SECRETS_ENCRYPTION_KEYS: is required/);
    expect(readIngestConfig(base).SECRETS_ENCRYPTION_KEYS.currentKeyId).toBe('k1');
    // `migrate` touches no secret: its Job is given only the database.
    expect(readIngestConfig(withoutKeys, 'migrate').SECRETS_ENCRYPTION_KEYS.keys.size).toBe(0);
  });

  it('names each bad variable', () => {
    try {
      readIngestConfig({ ...base, INGEST_FETCH_BYTES_PER_PARTITION: '12', INGEST_FETCH_AHEAD_RECORDS: 'lots' });
      throw new Error('expected a ConfigError');
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      expect((e as Error).message).toMatch(/INGEST_FETCH_BYTES_PER_PARTITION/);
      expect((e as Error).message).toMatch(/INGEST_FETCH_AHEAD_RECORDS/);
    }
  });
});
