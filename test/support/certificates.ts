/**
 * Certificates a test makes for itself with openssl: a CA, and server certificates it signs
 * (P-256 keys, valid 30 days). Each is one `openssl req -x509` call with a configuration file
 * naming the extensions, so a leaf is never marked as a CA.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface TestCa {
  /** PEM certificate: what a client trusts (KAFKA_SSL_CA_FILE, DATABASE_SSL_CA_FILE). */
  certFile: string;
  keyFile: string;
}

export interface ServerCertificate {
  certFile: string;
  /** PEM private key (PKCS#8, unencrypted). */
  keyFile: string;
}

async function makeCertificate(
  dir: string,
  name: string,
  subject: string,
  extensions: string[],
  issuer?: TestCa,
): Promise<{ certFile: string; keyFile: string }> {
  mkdirSync(dir, { recursive: true });
  const file = (suffix: string) => path.join(dir, `${name}${suffix}`);
  const config = file('.cnf');
  writeFileSync(
    config,
    [
      '[req]',
      'distinguished_name = dn',
      'prompt = no',
      'x509_extensions = ext',
      '[dn]',
      `CN = ${subject}`,
      '[ext]',
      ...extensions,
      '',
    ].join('\n'),
  );
  const out = { certFile: file('.pem'), keyFile: file('-key.pem') };
  // -CA with -x509 (OpenSSL 3): signed by the issuer instead of by its own key.
  const signer = issuer ? ['-CA', issuer.certFile, '-CAkey', issuer.keyFile] : [];
  try {
    await run('openssl', [
      'req',
      '-x509',
      '-config',
      config,
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-noenc',
      '-days',
      '30',
      '-keyout',
      out.keyFile,
      '-out',
      out.certFile,
      ...signer,
    ]);
  } catch (error) {
    const e = error as NodeJS.ErrnoException & { stderr?: string };
    throw new Error(`openssl could not make ${name} (OpenSSL 3 needed): ${e.stderr ?? e.message}`);
  }
  return out;
}

/** A self-signed CA under `dir` (`<name>.pem`, `<name>-key.pem`). */
export function makeCa(dir: string, name: string): Promise<TestCa> {
  return makeCertificate(dir, name, `${name} (test CA)`, [
    'basicConstraints = critical, CA:TRUE',
    'keyUsage = critical, keyCertSign, cRLSign',
    'subjectKeyIdentifier = hash',
  ]);
}

/** A server certificate signed by `ca` for the loopback names (IP 127.0.0.1, DNS localhost). */
export function issueServerCertificate(ca: TestCa, dir: string, name: string): Promise<ServerCertificate> {
  return makeCertificate(
    dir,
    name,
    'localhost',
    [
      'basicConstraints = critical, CA:FALSE',
      'keyUsage = critical, digitalSignature, keyEncipherment',
      'extendedKeyUsage = serverAuth',
      'subjectAltName = IP:127.0.0.1, DNS:localhost',
      'authorityKeyIdentifier = keyid',
    ],
    ca,
  );
}

/**
 * The base64 lines of every private key block of a PEM file (a key, or a key store holding one):
 * what must never show in a log. Short last lines are left out (they could occur by chance).
 */
export function privateKeyLines(file: string): string[] {
  const lines: string[] = [];
  let inKey = false;
  for (const raw of readFileSync(file, 'utf8').split('\n')) {
    const line = raw.trim();
    if (/^-----BEGIN .*PRIVATE KEY-----$/.test(line)) inKey = true;
    else if (line.startsWith('-----END')) inKey = false;
    else if (inKey && line.length >= 16) lines.push(line);
  }
  return lines;
}
