import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateKeyPairSync } from 'node:crypto';
import {
  ConfigError,
  commonChecks,
  commonEnv,
  databaseTlsOf,
  databaseUrlForPool,
  kafkaSecurityFromEnv,
  kafkaSecurityOf,
  nodePostgresSsl,
  readConfig,
} from './index';

const dir = mkdtempSync(join(tmpdir(), 'connections-spec-'));
const file = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};
// Any PEM block will do: the parser checks the files are readable PEM, the client checks the rest.
const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const KEY = file('key.pem', privateKey.export({ type: 'pkcs8', format: 'pem' }) as string);
const CERT = file('cert.pem', publicKey.export({ type: 'spki', format: 'pem' }) as string);
const CA = CERT;
const NOT_PEM = file('not.pem', 'hello');
const TOKEN = file('token', 'eyJhbGciOiJub25lIn0.eyJzdWIiOiJhZG1pbiJ9.\n');
const EMPTY = file('empty', '\n');
const MISSING = join(dir, 'missing.pem');

const base = { KAFKA_BROKERS: 'k:9093', DATABASE_URL: 'postgres://u:pw@db:5432/cart' };
const read = (vars: Record<string, string>) =>
  readConfig(commonEnv('sender', 3003), { ...base, ...vars }, commonChecks);
const problemsOf = (vars: Record<string, string>): string[] => {
  try {
    read(vars);
  } catch (e) {
    if (e instanceof ConfigError) return e.problems;
    throw e;
  }
  return [];
};

describe('Kafka security from the environment', () => {
  it('is plaintext by default', () => {
    expect(kafkaSecurityOf(read({}))).toEqual({ protocol: 'PLAINTEXT' });
  });

  it.each(['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512'] as const)('reads SASL_SSL with %s and a CA', (mechanism) => {
    const security = kafkaSecurityOf(
      read({
        KAFKA_SECURITY_PROTOCOL: 'SASL_SSL',
        KAFKA_SASL_MECHANISM: mechanism,
        KAFKA_SASL_USERNAME: 'cart',
        KAFKA_SASL_PASSWORD: 's3cr3t-pw',
        KAFKA_SSL_CA_FILE: CA,
      }),
    );
    expect(security).toEqual({
      protocol: 'SASL_SSL',
      sasl: { mechanism, username: 'cart', password: 's3cr3t-pw' },
      tls: { ca: expect.stringContaining('-----BEGIN'), rejectUnauthorized: true },
    });
  });

  it('reads OAUTHBEARER with a token file, and mutual TLS', () => {
    const security = kafkaSecurityOf(
      read({
        KAFKA_SECURITY_PROTOCOL: 'SASL_SSL',
        KAFKA_SASL_MECHANISM: 'OAUTHBEARER',
        KAFKA_SASL_OAUTHBEARER_TOKEN_FILE: TOKEN,
        KAFKA_SSL_CERT_FILE: CERT,
        KAFKA_SSL_KEY_FILE: KEY,
        KAFKA_SSL_REJECT_UNAUTHORIZED: 'false',
      }),
    );
    expect(security.sasl).toEqual({ mechanism: 'OAUTHBEARER', tokenFile: TOKEN });
    expect(security.tls).toMatchObject({ rejectUnauthorized: false, ca: undefined });
    expect(security.tls?.cert).toContain('-----BEGIN');
    expect(security.tls?.key).toContain('-----BEGIN');
  });

  it('reads SSL (TLS without SASL) and SASL_PLAINTEXT', () => {
    expect(kafkaSecurityOf(read({ KAFKA_SECURITY_PROTOCOL: 'SSL' }))).toEqual({
      protocol: 'SSL',
      tls: { rejectUnauthorized: true },
    });
    const plain = read({
      KAFKA_SECURITY_PROTOCOL: 'SASL_PLAINTEXT',
      KAFKA_SASL_MECHANISM: 'PLAIN',
      KAFKA_SASL_USERNAME: 'u',
      KAFKA_SASL_PASSWORD: 'p',
    });
    expect(kafkaSecurityOf(plain)).toEqual({
      protocol: 'SASL_PLAINTEXT',
      sasl: { mechanism: 'PLAIN', username: 'u', password: 'p' },
    });
  });

  it.each<[string, Record<string, string>, RegExp[]]>([
    ['an unknown protocol', { KAFKA_SECURITY_PROTOCOL: 'TLS' }, [/^KAFKA_SECURITY_PROTOCOL: must be one of/]],
    [
      'a mechanism without SASL',
      { KAFKA_SASL_MECHANISM: 'PLAIN' },
      [/^KAFKA_SASL_MECHANISM: needs KAFKA_SECURITY_PROTOCOL SASL/],
    ],
    [
      'a password without SASL',
      { KAFKA_SECURITY_PROTOCOL: 'SSL', KAFKA_SASL_PASSWORD: 'x' },
      [/^KAFKA_SASL_PASSWORD: needs KAFKA_SECURITY_PROTOCOL SASL/],
    ],
    [
      'a CA without TLS',
      { KAFKA_SSL_CA_FILE: CA },
      [/^KAFKA_SSL_CA_FILE: needs KAFKA_SECURITY_PROTOCOL SSL or SASL_SSL/],
    ],
    [
      'SASL without a mechanism',
      { KAFKA_SECURITY_PROTOCOL: 'SASL_SSL' },
      [/^KAFKA_SASL_MECHANISM: is required with SASL_SSL/],
    ],
    [
      'SCRAM without user and password',
      { KAFKA_SECURITY_PROTOCOL: 'SASL_SSL', KAFKA_SASL_MECHANISM: 'SCRAM-SHA-512' },
      [/^KAFKA_SASL_USERNAME: is required/, /^KAFKA_SASL_PASSWORD: is required/],
    ],
    [
      'OAUTHBEARER without a token file, with a password',
      { KAFKA_SECURITY_PROTOCOL: 'SASL_SSL', KAFKA_SASL_MECHANISM: 'OAUTHBEARER', KAFKA_SASL_PASSWORD: 'x' },
      [/^KAFKA_SASL_PASSWORD: not used with OAUTHBEARER/, /^KAFKA_SASL_OAUTHBEARER_TOKEN_FILE: is required/],
    ],
    [
      'an empty token file',
      {
        KAFKA_SECURITY_PROTOCOL: 'SASL_SSL',
        KAFKA_SASL_MECHANISM: 'OAUTHBEARER',
        KAFKA_SASL_OAUTHBEARER_TOKEN_FILE: EMPTY,
      },
      [/^KAFKA_SASL_OAUTHBEARER_TOKEN_FILE: .* is empty/],
    ],
    [
      'a token file with SCRAM',
      {
        KAFKA_SECURITY_PROTOCOL: 'SASL_SSL',
        KAFKA_SASL_MECHANISM: 'SCRAM-SHA-256',
        KAFKA_SASL_USERNAME: 'u',
        KAFKA_SASL_PASSWORD: 'p',
        KAFKA_SASL_OAUTHBEARER_TOKEN_FILE: TOKEN,
      },
      [/^KAFKA_SASL_OAUTHBEARER_TOKEN_FILE: only used with OAUTHBEARER/],
    ],
    [
      'a key without a certificate',
      { KAFKA_SECURITY_PROTOCOL: 'SSL', KAFKA_SSL_KEY_FILE: KEY },
      [/^KAFKA_SSL_KEY_FILE: needs KAFKA_SSL_CERT_FILE/],
    ],
    [
      'a certificate without a key',
      { KAFKA_SECURITY_PROTOCOL: 'SSL', KAFKA_SSL_CERT_FILE: CERT },
      [/^KAFKA_SSL_CERT_FILE: needs KAFKA_SSL_KEY_FILE/],
    ],
    [
      'an unreadable CA',
      { KAFKA_SECURITY_PROTOCOL: 'SSL', KAFKA_SSL_CA_FILE: MISSING },
      [/^KAFKA_SSL_CA_FILE: cannot read .*missing\.pem \(ENOENT\)/],
    ],
    [
      'a CA that is not PEM',
      { KAFKA_SECURITY_PROTOCOL: 'SSL', KAFKA_SSL_CA_FILE: NOT_PEM },
      [/^KAFKA_SSL_CA_FILE: .* holds no PEM block/],
    ],
  ])('refuses %s, naming the variable', (_, vars, expected) => {
    const problems = problemsOf(vars);
    expect(problems).toHaveLength(expected.length);
    expected.forEach((pattern, i) => expect(problems[i]).toMatch(pattern));
  });

  it('reports every bad variable at once', () => {
    const problems = problemsOf({
      KAFKA_SECURITY_PROTOCOL: 'SASL_SSL',
      KAFKA_SSL_CA_FILE: MISSING,
      DATABASE_SSL_MODE: 'verify-full',
      DATABASE_SSL_KEY_FILE: KEY,
    });
    expect(problems.map((p) => p.split(':')[0])).toEqual([
      'KAFKA_SASL_MECHANISM',
      'KAFKA_SSL_CA_FILE',
      'DATABASE_SSL_KEY_FILE',
    ]);
  });

  it('tools outside the services read the same variables', () => {
    expect(kafkaSecurityFromEnv({})).toEqual({ protocol: 'PLAINTEXT' });
    expect(() => kafkaSecurityFromEnv({ KAFKA_SECURITY_PROTOCOL: 'SASL_SSL' })).toThrow(/KAFKA_SASL_MECHANISM/);
  });
});

describe('secrets from files (<NAME>_FILE)', () => {
  it('reads a secret from its file, without the trailing newline', () => {
    const config = read({
      KAFKA_SECURITY_PROTOCOL: 'SASL_SSL',
      KAFKA_SASL_MECHANISM: 'SCRAM-SHA-512',
      KAFKA_SASL_USERNAME: 'u',
      KAFKA_SASL_PASSWORD_FILE: file('kafka-password', 'from-a-file\n'),
      API_KEYS_FILE: file('api-keys', 'k1,k2\n'),
    });
    expect(config.KAFKA_SASL_PASSWORD).toBe('from-a-file');
    expect(config.API_KEYS).toEqual(['k1', 'k2']);
  });

  it('reads DATABASE_URL from a file', () => {
    const { DATABASE_URL: _, ...rest } = base;
    const config = readConfig(
      commonEnv('ingest', 3001),
      { ...rest, DATABASE_URL_FILE: file('db-url', 'postgres://u:pw@h/db\n') },
      commonChecks,
    );
    expect(config.DATABASE_URL).toBe('postgres://u:pw@h/db');
  });

  it('refuses both the variable and its file, and an unreadable file, never showing the secret', () => {
    const problems = problemsOf({
      KAFKA_SECURITY_PROTOCOL: 'SASL_SSL',
      KAFKA_SASL_MECHANISM: 'SCRAM-SHA-512',
      KAFKA_SASL_USERNAME: 'u',
      KAFKA_SASL_PASSWORD: 'pw-in-env-9',
      KAFKA_SASL_PASSWORD_FILE: file('pw', 'pw-in-file-9'),
      API_KEYS_FILE: MISSING,
    });
    expect(problems[0]).toMatch(
      /^KAFKA_SASL_PASSWORD: set either KAFKA_SASL_PASSWORD or KAFKA_SASL_PASSWORD_FILE, not both/,
    );
    expect(problems.some((p) => /^API_KEYS_FILE: cannot read .* \(ENOENT\)/.test(p))).toBe(true);
    expect(problems.join('\n')).not.toMatch(/pw-in-(env|file)-9/);
  });
});

describe('PostgreSQL TLS', () => {
  it('is off by default', () => {
    expect(databaseTlsOf(read({}))).toEqual({ mode: 'disable' });
    expect(nodePostgresSsl(databaseTlsOf(read({})))).toBe(false);
  });

  it("gives each mode libpq's meaning", () => {
    const of = (mode: string) =>
      nodePostgresSsl(
        databaseTlsOf(
          read({ DATABASE_SSL_MODE: mode, ...(mode.startsWith('verify') ? { DATABASE_SSL_CA_FILE: CA } : {}) }),
        ),
      );
    expect(of('require')).toEqual({ rejectUnauthorized: false });
    const verifyCa = of('verify-ca') as {
      rejectUnauthorized: boolean;
      checkServerIdentity?: () => undefined;
      ca?: string;
    };
    expect(verifyCa.rejectUnauthorized).toBe(true);
    expect(verifyCa.checkServerIdentity?.()).toBeUndefined();
    expect(verifyCa.ca).toContain('-----BEGIN');
    const verifyFull = of('verify-full') as { rejectUnauthorized: boolean; checkServerIdentity?: unknown };
    expect(verifyFull.rejectUnauthorized).toBe(true);
    expect(verifyFull.checkServerIdentity).toBeUndefined();
  });

  it("takes the URL's sslmode with libpq's meaning and strips it from the pool's URL", () => {
    const config = read({ DATABASE_URL: 'postgres://u:pw@db/cart?sslmode=require&application_name=x' });
    expect(databaseTlsOf(config).mode).toBe('require');
    expect(nodePostgresSsl(databaseTlsOf(config))).toEqual({ rejectUnauthorized: false });
    expect(databaseUrlForPool(config.DATABASE_URL)).toBe('postgres://u:pw@db/cart?application_name=x');
    expect(databaseTlsOf(read({ DATABASE_URL: 'postgres://db/cart?sslmode=verify-full' })).mode).toBe('verify-full');
  });

  it.each<[string, Record<string, string>, RegExp]>([
    [
      'an unknown mode',
      { DATABASE_SSL_MODE: 'prefer' },
      /^DATABASE_SSL_MODE: must be one of disable, require, verify-ca, verify-full/,
    ],
    [
      'a URL sslmode we cannot honour',
      { DATABASE_URL: 'postgres://db/c?sslmode=prefer' },
      /^DATABASE_URL: sslmode=prefer is not supported/,
    ],
    [
      'a URL sslmode that contradicts DATABASE_SSL_MODE',
      { DATABASE_URL: 'postgres://db/c?sslmode=disable', DATABASE_SSL_MODE: 'verify-full' },
      /^DATABASE_SSL_MODE: is verify-full but DATABASE_URL says sslmode=disable/,
    ],
    ['a CA with TLS off', { DATABASE_SSL_CA_FILE: CA }, /^DATABASE_SSL_CA_FILE: needs DATABASE_SSL_MODE/],
    [
      'an unreadable CA',
      { DATABASE_SSL_MODE: 'verify-ca', DATABASE_SSL_CA_FILE: MISSING },
      /^DATABASE_SSL_CA_FILE: cannot read/,
    ],
    [
      'a certificate without a key',
      { DATABASE_SSL_MODE: 'require', DATABASE_SSL_CERT_FILE: CERT },
      /^DATABASE_SSL_CERT_FILE: needs DATABASE_SSL_KEY_FILE/,
    ],
  ])('refuses %s', (_, vars, pattern) => {
    const problems = problemsOf(vars);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(pattern);
  });
});
