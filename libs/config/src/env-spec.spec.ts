import { ConfigError, commonEnv, env, readConfig } from './index';

describe('readConfig', () => {
  const spec = {
    PORT: env.int('HTTP port', { default: 3000, min: 1, max: 65535 }),
    BROKERS: env.list('Kafka brokers', { minItems: 1 }),
    TOKEN: env.string('API token', { secret: true, pattern: /^[a-z]{8,}$/ }),
    DEBUG: env.bool('debug', { default: false }),
  };

  it('parses and defaults', () => {
    const config = readConfig(spec, { BROKERS: 'a:1, b:2', TOKEN: 'abcdefgh', DEBUG: 'yes' });
    expect(config).toEqual({ PORT: 3000, BROKERS: ['a:1', 'b:2'], TOKEN: 'abcdefgh', DEBUG: true });
  });

  it('names every bad variable at once and never prints a secret value', () => {
    let error: ConfigError | undefined;
    try {
      readConfig(spec, { PORT: '70000', TOKEN: 'Sup3rSecret', DEBUG: 'maybe' });
    } catch (e) {
      error = e as ConfigError;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect(error!.problems).toHaveLength(4);
    expect(error!.message).toMatch(/PORT: must be at most 65535 \(got "70000"\)/);
    expect(error!.message).toMatch(/BROKERS: is required/);
    expect(error!.message).toMatch(/TOKEN: must match/);
    expect(error!.message).not.toContain('Sup3rSecret');
    expect(error!.message).toMatch(/DEBUG: must be true or false/);
  });

  it('hides the database URL (it may hold a password)', () => {
    expect(() =>
      readConfig(commonEnv('ingest', 3001), { KAFKA_BROKERS: 'k:9092', DATABASE_URL: 'mysql://u:pw@h/db' }),
    ).toThrow(/DATABASE_URL: must use postgres or postgresql\./);
    const config = readConfig(commonEnv('scheduler', 3002), {
      KAFKA_BROKERS: 'k:9092',
      DATABASE_URL: 'postgres://h/db',
    });
    expect(config.DATABASE_SCHEMA).toBe('scheduler');
    expect(config.HTTP_PORT).toBe(3002);
  });
});
