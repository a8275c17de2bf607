import { readFileSync, statSync } from 'node:fs';
import type { KafkaConfig, SASLOptions } from 'kafkajs';
import type { KafkaSasl, KafkaSecurity } from '@lib/config';

/** The part of a kafkajs configuration that carries the security settings. */
export function kafkaJsSecurity(security: KafkaSecurity | undefined): Pick<KafkaConfig, 'ssl' | 'sasl'> {
  if (!security || security.protocol === 'PLAINTEXT') return {};
  const out: Pick<KafkaConfig, 'ssl' | 'sasl'> = {};
  if (security.tls) {
    const { ca, cert, key, rejectUnauthorized } = security.tls;
    out.ssl = {
      rejectUnauthorized,
      ...(ca !== undefined ? { ca: [ca] } : {}),
      ...(cert !== undefined ? { cert } : {}),
      ...(key !== undefined ? { key } : {}),
    };
  }
  if (security.sasl) out.sasl = kafkaJsSasl(security.sasl);
  return out;
}

function kafkaJsSasl(sasl: KafkaSasl): SASLOptions {
  switch (sasl.mechanism) {
    case 'PLAIN':
      return { mechanism: 'plain', username: sasl.username, password: sasl.password };
    case 'SCRAM-SHA-256':
      return { mechanism: 'scram-sha-256', username: sasl.username, password: sasl.password };
    case 'SCRAM-SHA-512':
      return { mechanism: 'scram-sha-512', username: sasl.username, password: sasl.password };
    case 'OAUTHBEARER': {
      const token = tokenFileReader(sasl.tokenFile);
      return { mechanism: 'oauthbearer', oauthBearerProvider: async () => ({ value: token() }) };
    }
  }
}

/**
 * Reads a token file again only when it changed (size or modification time): Kubernetes
 * projected tokens and MSK IAM sidecars replace the file before the old token expires.
 */
export function tokenFileReader(path: string): () => string {
  let seen: { mtimeMs: number; size: number; token: string } | undefined;
  return () => {
    const stat = statSync(path);
    if (!seen || seen.mtimeMs !== stat.mtimeMs || seen.size !== stat.size) {
      const token = readFileSync(path, 'utf8').trim();
      if (!token) throw new Error(`the OAUTHBEARER token file ${path} is empty`);
      seen = { mtimeMs: stat.mtimeMs, size: stat.size, token };
    }
    return seen.token;
  };
}

type ErrorChain = { name?: string; message?: string; code?: string; cause?: unknown; originalError?: unknown };

function* chain(err: unknown): Generator<ErrorChain> {
  const seen = new Set<unknown>();
  for (let e = err as ErrorChain | undefined; e && typeof e === 'object' && !seen.has(e);) {
    seen.add(e);
    yield e;
    e = (e.cause ?? e.originalError) as ErrorChain | undefined;
  }
}

/** True for the error kafkajs throws when the broker refuses the login (wrong password, token). */
export function isAuthenticationFailure(err: unknown): boolean {
  for (const e of chain(err)) {
    if (e.name === 'KafkaJSSASLAuthenticationError') return true;
    if (typeof e.message === 'string' && /authentication failed/i.test(e.message)) return true;
  }
  return false;
}

/** Node's codes for a TLS peer that could not be verified (wrong CA, wrong host name). */
const TLS_CODES = /^(CERT_|UNABLE_TO_|DEPTH_ZERO|SELF_SIGNED|ERR_TLS_|ERR_SSL_)/;

/**
 * The reason readiness shows for a failed connection, in an operator's words: "authentication
 * failed", "TLS: <why>", or kafkajs' own message. None of them carries a secret: kafkajs never
 * puts the password or token in its messages, and TLS errors name certificates, not keys.
 */
export function describeConnectionFailure(err: unknown): Error {
  if (isAuthenticationFailure(err)) return new Error('authentication failed');
  for (const e of chain(err)) {
    if (typeof e.code === 'string' && TLS_CODES.test(e.code)) return new Error(`TLS: ${e.message ?? e.code}`);
  }
  return err instanceof Error ? err : new Error(String(err));
}
