import { ConfigError } from '@lib/config';
import { DEFAULT_OPT_OUT_KEYWORDS, readSenderConfig } from './config';

const base = { KAFKA_BROKERS: '127.0.0.1:9092', DATABASE_URL: 'postgres://u@127.0.0.1:5432/db' };

describe('sender configuration', () => {
  it('starts without webhook secrets (webhooks are then refused), with the documented defaults', () => {
    const config = readSenderConfig(base);
    expect(config.WHATSAPP_APP_SECRET).toBeUndefined();
    expect(config).toMatchObject({
      WHATSAPP_GRAPH_BASE_URL: 'https://graph.facebook.com',
      WHATSAPP_THROUGHPUT_PER_SECOND: 80,
      OPT_OUT_KEYWORDS: DEFAULT_OPT_OUT_KEYWORDS,
      SENDER_GROUP_ID: 'sender',
    });
  });

  it('names a bad variable without showing a secret', () => {
    try {
      readSenderConfig({ ...base, WHATSAPP_THROUGHPUT_PER_SECOND: '0', WHATSAPP_GRAPH_VERSION: 'latest' });
      throw new Error('expected a ConfigError');
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      expect((e as Error).message).toMatch(/WHATSAPP_THROUGHPUT_PER_SECOND/);
      expect((e as Error).message).toMatch(/WHATSAPP_GRAPH_VERSION/);
    }
  });
});
