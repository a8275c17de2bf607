import { readFileSync } from 'node:fs';
import { env } from './env-spec';

/**
 * How the services reach Kafka and PostgreSQL securely: the variables (librdkafka's names for
 * Kafka, libpq's `sslmode` meanings for PostgreSQL), the rules that tie them together, and
 * the settings the clients are given. Files (CAs, certificates, keys, tokens) are read here,
 * so an unreadable one stops the process at start-up naming its variable.
 */
export const KAFKA_SECURITY_PROTOCOLS = ['PLAINTEXT', 'SSL', 'SASL_PLAINTEXT', 'SASL_SSL'] as const;
export const KAFKA_SASL_MECHANISMS = ['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512', 'OAUTHBEARER'] as const;
export const DATABASE_SSL_MODES = ['disable', 'require', 'verify-ca', 'verify-full'] as const;

export type KafkaSecurityProtocol = (typeof KAFKA_SECURITY_PROTOCOLS)[number];
export type KafkaSaslMechanism = (typeof KAFKA_SASL_MECHANISMS)[number];
export type DatabaseSslMode = (typeof DATABASE_SSL_MODES)[number];

export type KafkaSasl =
  | { mechanism: 'PLAIN' | 'SCRAM-SHA-256' | 'SCRAM-SHA-512'; username: string; password: string }
  /** The token is read from the file at every (re)authentication, so a rotated token is used. */
  | { mechanism: 'OAUTHBEARER'; tokenFile: string };

export interface KafkaTls {
  /** PEM bundle of the CAs to trust; undefined: the system's. */
  ca?: string;
  /** PEM client certificate and key (mutual TLS). */
  cert?: string;
  key?: string;
  rejectUnauthorized: boolean;
}

export interface KafkaSecurity {
  protocol: KafkaSecurityProtocol;
  /** Set exactly when the protocol is SASL_PLAINTEXT or SASL_SSL. */
  sasl?: KafkaSasl;
  /** Set exactly when the protocol is SSL or SASL_SSL. */
  tls?: KafkaTls;
}

export interface DatabaseTls {
  mode: DatabaseSslMode;
  ca?: string;
  cert?: string;
  key?: string;
}

export const kafkaSecurityEnv = {
  KAFKA_SECURITY_PROTOCOL: env.oneOf(
    'How Kafka clients connect (librdkafka security.protocol)',
    KAFKA_SECURITY_PROTOCOLS,
    {
      default: 'PLAINTEXT',
    },
  ),
  KAFKA_SASL_MECHANISM: env.optionalOneOf(
    'SASL mechanism, with KAFKA_SECURITY_PROTOCOL SASL_PLAINTEXT or SASL_SSL',
    KAFKA_SASL_MECHANISMS,
  ),
  KAFKA_SASL_USERNAME: env.optionalString('SASL user name (PLAIN, SCRAM-SHA-256, SCRAM-SHA-512)'),
  KAFKA_SASL_PASSWORD: env.optionalString('SASL password (PLAIN, SCRAM-SHA-256, SCRAM-SHA-512)', { secret: true }),
  KAFKA_SASL_OAUTHBEARER_TOKEN_FILE: env.optionalString(
    'File holding the OAUTHBEARER token, read again whenever it changes (workload identity, MSK IAM sidecar)',
  ),
  KAFKA_SSL_CA_FILE: env.optionalString('PEM bundle of the CAs that sign the brokers (default: the system CAs)'),
  KAFKA_SSL_CERT_FILE: env.optionalString('PEM client certificate for mutual TLS (with KAFKA_SSL_KEY_FILE)'),
  KAFKA_SSL_KEY_FILE: env.optionalString('PEM private key of KAFKA_SSL_CERT_FILE'),
  KAFKA_SSL_REJECT_UNAUTHORIZED: env.bool(
    'Refuse brokers whose certificate the CAs do not sign or whose name does not match (false only for tests)',
    { default: true },
  ),
};

export const databaseTlsEnv = {
  DATABASE_SSL_MODE: env.optionalOneOf(
    "TLS to PostgreSQL with libpq's meanings: disable | require (encrypted, not verified) | verify-ca | verify-full (and the host name). Default: the URL's sslmode, else disable",
    DATABASE_SSL_MODES,
  ),
  DATABASE_SSL_CA_FILE: env.optionalString('PEM bundle of the CAs that sign the server (verify-ca, verify-full)'),
  DATABASE_SSL_CERT_FILE: env.optionalString('PEM client certificate (with DATABASE_SSL_KEY_FILE)'),
  DATABASE_SSL_KEY_FILE: env.optionalString('PEM private key of DATABASE_SSL_CERT_FILE'),
};

type KafkaSecurityVars = {
  [K in keyof typeof kafkaSecurityEnv]?: (typeof kafkaSecurityEnv)[K] extends { parse(r: string | undefined): infer T }
    ? T
    : never;
};
type DatabaseTlsVars = {
  [K in keyof typeof databaseTlsEnv]?: (typeof databaseTlsEnv)[K] extends { parse(r: string | undefined): infer T }
    ? T
    : never;
} & { DATABASE_URL?: string };

interface Resolved<T> {
  value?: T;
  problems: string[];
}

function readPem(name: string, path: string | undefined, problems: string[]): string | undefined {
  if (path === undefined) return undefined;
  try {
    const text = readFileSync(path, 'utf8');
    if (!text.includes('-----BEGIN')) problems.push(`${name}: ${path} holds no PEM block`);
    return text;
  } catch (e) {
    problems.push(`${name}: cannot read ${path} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
    return undefined;
  }
}

/** The Kafka security settings the variables describe, or every problem with them. */
export function resolveKafkaSecurity(vars: Record<string, unknown>): Resolved<KafkaSecurity> {
  const c = vars as KafkaSecurityVars;
  const problems: string[] = [];
  const protocol = c.KAFKA_SECURITY_PROTOCOL ?? 'PLAINTEXT';
  const usesSasl = protocol === 'SASL_PLAINTEXT' || protocol === 'SASL_SSL';
  const usesTls = protocol === 'SSL' || protocol === 'SASL_SSL';
  const mechanism = c.KAFKA_SASL_MECHANISM;

  if (!usesSasl) {
    for (const name of [
      'KAFKA_SASL_MECHANISM',
      'KAFKA_SASL_USERNAME',
      'KAFKA_SASL_PASSWORD',
      'KAFKA_SASL_OAUTHBEARER_TOKEN_FILE',
    ] as const) {
      if (c[name] !== undefined)
        problems.push(`${name}: needs KAFKA_SECURITY_PROTOCOL SASL_PLAINTEXT or SASL_SSL (is ${protocol})`);
    }
  }
  if (!usesTls) {
    for (const name of ['KAFKA_SSL_CA_FILE', 'KAFKA_SSL_CERT_FILE', 'KAFKA_SSL_KEY_FILE'] as const) {
      if (c[name] !== undefined)
        problems.push(`${name}: needs KAFKA_SECURITY_PROTOCOL SSL or SASL_SSL (is ${protocol})`);
    }
  }

  let sasl: KafkaSasl | undefined;
  if (usesSasl) {
    if (mechanism === undefined) problems.push(`KAFKA_SASL_MECHANISM: is required with ${protocol}`);
    else if (mechanism === 'OAUTHBEARER') {
      const tokenFile = c.KAFKA_SASL_OAUTHBEARER_TOKEN_FILE;
      if (c.KAFKA_SASL_USERNAME !== undefined) problems.push('KAFKA_SASL_USERNAME: not used with OAUTHBEARER');
      if (c.KAFKA_SASL_PASSWORD !== undefined) problems.push('KAFKA_SASL_PASSWORD: not used with OAUTHBEARER');
      if (tokenFile === undefined) problems.push('KAFKA_SASL_OAUTHBEARER_TOKEN_FILE: is required with OAUTHBEARER');
      else {
        try {
          if (!readFileSync(tokenFile, 'utf8').trim())
            problems.push(`KAFKA_SASL_OAUTHBEARER_TOKEN_FILE: ${tokenFile} is empty`);
        } catch (e) {
          problems.push(
            `KAFKA_SASL_OAUTHBEARER_TOKEN_FILE: cannot read ${tokenFile} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`,
          );
        }
        sasl = { mechanism, tokenFile };
      }
    } else {
      if (c.KAFKA_SASL_OAUTHBEARER_TOKEN_FILE !== undefined)
        problems.push(`KAFKA_SASL_OAUTHBEARER_TOKEN_FILE: only used with OAUTHBEARER (mechanism is ${mechanism})`);
      if (c.KAFKA_SASL_USERNAME === undefined) problems.push(`KAFKA_SASL_USERNAME: is required with ${mechanism}`);
      if (c.KAFKA_SASL_PASSWORD === undefined) problems.push(`KAFKA_SASL_PASSWORD: is required with ${mechanism}`);
      if (c.KAFKA_SASL_USERNAME !== undefined && c.KAFKA_SASL_PASSWORD !== undefined)
        sasl = { mechanism, username: c.KAFKA_SASL_USERNAME, password: c.KAFKA_SASL_PASSWORD };
    }
  }

  let tls: KafkaTls | undefined;
  if (usesTls) {
    if ((c.KAFKA_SSL_CERT_FILE === undefined) !== (c.KAFKA_SSL_KEY_FILE === undefined)) {
      problems.push(
        c.KAFKA_SSL_CERT_FILE === undefined
          ? 'KAFKA_SSL_KEY_FILE: needs KAFKA_SSL_CERT_FILE (mutual TLS takes both)'
          : 'KAFKA_SSL_CERT_FILE: needs KAFKA_SSL_KEY_FILE (mutual TLS takes both)',
      );
    }
    tls = {
      ca: readPem('KAFKA_SSL_CA_FILE', c.KAFKA_SSL_CA_FILE, problems),
      cert: readPem('KAFKA_SSL_CERT_FILE', c.KAFKA_SSL_CERT_FILE, problems),
      key: readPem('KAFKA_SSL_KEY_FILE', c.KAFKA_SSL_KEY_FILE, problems),
      rejectUnauthorized: c.KAFKA_SSL_REJECT_UNAUTHORIZED ?? true,
    };
  }
  if (problems.length) return { problems };
  return { value: { protocol, ...(sasl ? { sasl } : {}), ...(tls ? { tls } : {}) }, problems };
}

/** libpq's sslmode values node-postgres also reads from a URL, mapped to the ones we offer. */
const URL_SSL_MODES: Record<string, DatabaseSslMode | undefined> = {
  disable: 'disable',
  allow: undefined,
  prefer: undefined,
  require: 'require',
  'verify-ca': 'verify-ca',
  'verify-full': 'verify-full',
  'no-verify': 'require',
};

/**
 * The PostgreSQL TLS settings. node-postgres reads `sslmode` from a URL with meanings of its
 * own (`require` verifies the certificate) and lets it replace the `ssl` option, so the URL's
 * sslmode is taken here, given libpq's meaning, and removed from the URL the pool is given
 * (`databaseUrlForPool`).
 */
export function resolveDatabaseTls(vars: Record<string, unknown>): Resolved<DatabaseTls> {
  const c = vars as DatabaseTlsVars;
  const problems: string[] = [];
  let fromUrl: DatabaseSslMode | undefined;
  if (c.DATABASE_URL !== undefined) {
    let raw: string | null = null;
    try {
      raw = new URL(c.DATABASE_URL).searchParams.get('sslmode');
    } catch {
      // DATABASE_URL reports its own problem.
    }
    if (raw !== null) {
      fromUrl = URL_SSL_MODES[raw];
      if (fromUrl === undefined)
        problems.push(
          `DATABASE_URL: sslmode=${raw} is not supported (use ${DATABASE_SSL_MODES.join(', ')}, or DATABASE_SSL_MODE)`,
        );
    }
  }
  if (fromUrl !== undefined && c.DATABASE_SSL_MODE !== undefined && fromUrl !== c.DATABASE_SSL_MODE) {
    problems.push(`DATABASE_SSL_MODE: is ${c.DATABASE_SSL_MODE} but DATABASE_URL says sslmode=${fromUrl}; set one`);
  }
  const mode = c.DATABASE_SSL_MODE ?? fromUrl ?? 'disable';
  if (mode === 'disable') {
    for (const name of ['DATABASE_SSL_CA_FILE', 'DATABASE_SSL_CERT_FILE', 'DATABASE_SSL_KEY_FILE'] as const) {
      if (c[name] !== undefined) problems.push(`${name}: needs DATABASE_SSL_MODE require, verify-ca or verify-full`);
    }
  }
  if ((c.DATABASE_SSL_CERT_FILE === undefined) !== (c.DATABASE_SSL_KEY_FILE === undefined)) {
    problems.push(
      c.DATABASE_SSL_CERT_FILE === undefined
        ? 'DATABASE_SSL_KEY_FILE: needs DATABASE_SSL_CERT_FILE'
        : 'DATABASE_SSL_CERT_FILE: needs DATABASE_SSL_KEY_FILE',
    );
  }
  const tls: DatabaseTls = {
    mode,
    ca: readPem('DATABASE_SSL_CA_FILE', c.DATABASE_SSL_CA_FILE, problems),
    cert: readPem('DATABASE_SSL_CERT_FILE', c.DATABASE_SSL_CERT_FILE, problems),
    key: readPem('DATABASE_SSL_KEY_FILE', c.DATABASE_SSL_KEY_FILE, problems),
  };
  if (problems.length) return { problems };
  return { value: tls, problems };
}

/** The URL without the TLS parameters node-postgres would read with its own meanings. */
export function databaseUrlForPool(url: string): string {
  const parsed = new URL(url);
  for (const p of ['sslmode', 'ssl', 'sslcert', 'sslkey', 'sslrootcert', 'uselibpqcompat'])
    parsed.searchParams.delete(p);
  return parsed.toString();
}

/**
 * The `ssl` option of node-postgres for a mode, with libpq's meanings: `require` encrypts
 * without checking the certificate; `verify-ca` checks the chain but not the host name;
 * `verify-full` checks both.
 */
export interface PostgresSslOptions {
  ca?: string;
  cert?: string;
  key?: string;
  rejectUnauthorized: boolean;
  checkServerIdentity?: () => undefined;
}

export function nodePostgresSsl(tls: DatabaseTls | undefined): false | PostgresSslOptions {
  if (!tls || tls.mode === 'disable') return false;
  const files = {
    ...(tls.ca !== undefined ? { ca: tls.ca } : {}),
    ...(tls.cert !== undefined ? { cert: tls.cert } : {}),
    ...(tls.key !== undefined ? { key: tls.key } : {}),
  };
  if (tls.mode === 'require') return { ...files, rejectUnauthorized: false };
  if (tls.mode === 'verify-ca') return { ...files, rejectUnauthorized: true, checkServerIdentity: () => undefined };
  return { ...files, rejectUnauthorized: true };
}
