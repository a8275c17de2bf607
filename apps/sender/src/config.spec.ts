import { ConfigError } from '@lib/config';
import { DEFAULT_OPT_OUT_KEYWORDS, readSenderConfig } from './config';

const base = {
  KAFKA_BROKERS: '127.0.0.1:9092',
  DATABASE_URL: 'postgres://u@127.0.0.1:5432/db',
  SECRETS_ENCRYPTION_KEYS: `k1:${Buffer.alloc(32, 7).toString('base64')}`,
};

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

  it('sends on Graph v26.0, marketing templates STRICT, and has no time-to-live of its own (the template carries it)', () => {
    const config = readSenderConfig(base);
    expect(config).toMatchObject({
      WHATSAPP_GRAPH_VERSION: 'v26.0',
      WHATSAPP_MARKETING_STRICT: true,
      WHATSAPP_MARKETING_TERMS_FALLBACK: false,
      SENDER_MARKET_BLOCK_US: true,
    });
    expect(config).not.toHaveProperty('WHATSAPP_MARKETING_TTL_SECONDS');
    expect(readSenderConfig({ ...base, WHATSAPP_GRAPH_VERSION: 'v23.0' }).WHATSAPP_GRAPH_VERSION).toBe('v23.0');
    expect(readSenderConfig({ ...base, WHATSAPP_MARKETING_STRICT: 'false' }).WHATSAPP_MARKETING_STRICT).toBe(false);
  });

  it("needs the keyring that opens the stores' tokens, except to migrate", () => {
    const { SECRETS_ENCRYPTION_KEYS: _keys, ...withoutKeys } = base;
    expect(() => readSenderConfig(withoutKeys)).toThrow(/SECRETS_ENCRYPTION_KEYS: is required/);
    expect(readSenderConfig(withoutKeys, 'migrate').SECRETS_ENCRYPTION_KEYS.keys.size).toBe(0);
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

  it('reads per-number throughput overrides, and names every bad entry', () => {
    expect(readSenderConfig(base).WHATSAPP_THROUGHPUT_BY_NUMBER).toEqual({});
    expect(
      readSenderConfig({ ...base, WHATSAPP_THROUGHPUT_BY_NUMBER: '106540352242922:1000, 106540352249999:250' })
        .WHATSAPP_THROUGHPUT_BY_NUMBER,
    ).toEqual({ '106540352242922': 1000, '106540352249999': 250 });
    try {
      readSenderConfig({ ...base, WHATSAPP_THROUGHPUT_BY_NUMBER: '1065:80,abc:5,1066:0,1065:90,1067:2000' });
      throw new Error('expected a ConfigError');
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      const message = (e as Error).message;
      expect(message).toMatch(/WHATSAPP_THROUGHPUT_BY_NUMBER: "abc:5" is not phoneNumberId:messagesPerSecond/);
      expect(message).toMatch(/1066: 0\/s is outside 1–1000/);
      expect(message).toMatch(/1065 is given twice/);
      expect(message).toMatch(/1067: 2000\/s is outside 1–1000/);
    }
  });

  it('reads the retention lifetimes, refusing ones shorter than what is still needed and a body outliving its row', () => {
    expect(readSenderConfig(base)).toMatchObject({
      RETENTION_MESSAGE_DAYS: 90,
      RETENTION_MESSAGE_BODY_DAYS: 30,
      RETENTION_CART_CLOSURE_DAYS: 30,
      RETENTION_CONTACT_HOLD_DAYS: 30,
      SENDER_PURGE_ENABLED: true,
    });
    const problems = (env: Record<string, string>) => {
      try {
        readSenderConfig({ ...base, ...env });
        return '';
      } catch (e) {
        return (e as ConfigError).problems.join('\n');
      }
    };
    const tooShort = problems({
      RETENTION_MESSAGE_DAYS: '21',
      RETENTION_CART_CLOSURE_DAYS: '14',
      RETENTION_CONTACT_HOLD_DAYS: '29',
    });
    for (const name of ['RETENTION_MESSAGE_DAYS', 'RETENTION_CART_CLOSURE_DAYS', 'RETENTION_CONTACT_HOLD_DAYS'])
      expect(tooShort).toMatch(new RegExp(`^${name}:`, 'm'));
    expect(problems({ RETENTION_MESSAGE_DAYS: '30', RETENTION_MESSAGE_BODY_DAYS: '31' })).toMatch(
      /^RETENTION_MESSAGE_BODY_DAYS: 31 is more than RETENTION_MESSAGE_DAYS \(30\)/m,
    );
    expect(problems({ RETENTION_MESSAGE_DAYS: '30', RETENTION_MESSAGE_BODY_DAYS: '30' })).toBe('');
  });
});
