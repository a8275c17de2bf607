import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** The SCRAM user of the secure listener (SCRAM-SHA-512 and SCRAM-SHA-256 credentials). */
export const SCRAM_USERNAME = 'stack';

export interface SecureMaterial {
  dir: string;
  /** PEM of the CA that signed the broker certificate: KAFKA_SSL_CA_FILE. */
  caFile: string;
  /** PEM with the broker's private key (PKCS#8, unencrypted) and certificate: ssl.keystore.location. */
  keystoreFile: string;
  username: string;
  password: string;
}

/**
 * The CA, the broker certificate (SAN 127.0.0.1 and localhost) and the SCRAM password of the
 * secure mode, made with openssl on first use under `dir` and kept afterwards, so a client's
 * CA file and password stay valid across restarts (stack:down --purge removes them).
 */
export async function secureMaterial(dir: string): Promise<SecureMaterial> {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const file = (name: string) => path.join(dir, name);
  const material: Omit<SecureMaterial, 'password'> = {
    dir,
    caFile: file('ca.pem'),
    keystoreFile: file('broker-keystore.pem'),
    username: SCRAM_USERNAME,
  };
  if (!existsSync(material.keystoreFile) || !existsSync(material.caFile)) await makeCertificates(dir);
  const passwordFile = file('scram-password');
  if (!existsSync(passwordFile))
    writeFileSync(passwordFile, `${randomBytes(18).toString('base64url')}\n`, { mode: 0o600 });
  return { ...material, password: readFileSync(passwordFile, 'utf8').trim() };
}

async function makeCertificates(dir: string): Promise<void> {
  const f = (name: string) => path.join(dir, name);
  const openssl = async (...args: string[]) => {
    try {
      await run('openssl', args, { cwd: dir });
    } catch (error) {
      const e = error as NodeJS.ErrnoException & { stderr?: string };
      if (e.code === 'ENOENT')
        throw new Error('openssl is not on PATH: the secure mode makes its certificates with it');
      throw new Error(`openssl ${args.join(' ')} failed: ${e.stderr ?? e.message}`);
    }
  };
  writeFileSync(
    f('broker.ext'),
    'subjectAltName=IP:127.0.0.1,DNS:localhost\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n',
  );
  await openssl(
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-days',
    '825',
    '-subj',
    '/CN=cart-recovery local stack CA',
    '-keyout',
    f('ca-key.pem'),
    '-out',
    f('ca.pem'),
  );
  await openssl(
    'req',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-subj',
    '/CN=localhost',
    '-keyout',
    f('broker-key.pem'),
    '-out',
    f('broker.csr'),
  );
  await openssl(
    'x509',
    '-req',
    '-in',
    f('broker.csr'),
    '-CA',
    f('ca.pem'),
    '-CAkey',
    f('ca-key.pem'),
    '-CAcreateserial',
    '-days',
    '825',
    '-sha256',
    '-extfile',
    f('broker.ext'),
    '-out',
    f('broker-cert.pem'),
  );
  // Kafka's PEM key store: the unencrypted PKCS#8 key, then the certificate chain.
  await openssl('pkcs8', '-topk8', '-nocrypt', '-in', f('broker-key.pem'), '-out', f('broker-key.pk8.pem'));
  writeFileSync(
    f('broker-keystore.pem'),
    readFileSync(f('broker-key.pk8.pem'), 'utf8') +
      readFileSync(f('broker-cert.pem'), 'utf8') +
      readFileSync(f('ca.pem'), 'utf8'),
    { mode: 0o600 },
  );
}

/**
 * An unsecured OAUTHBEARER token (JWT with `alg: none`), as Kafka's built-in unsecured
 * validator takes it: `sub` is the principal; valid for `lifetimeSeconds`.
 */
export function unsecuredJwt(subject: string, lifetimeSeconds = 3600, now = Date.now()): string {
  const part = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const iat = Math.floor(now / 1000);
  return `${part({ alg: 'none' })}.${part({ sub: subject, iat, exp: iat + lifetimeSeconds })}.`;
}
