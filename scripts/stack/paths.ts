import path from 'node:path';

/** The repository root: scripts/stack is two levels below it. */
export const repoRoot = path.resolve(__dirname, '..', '..');

/**
 * Where the local stack keeps its state (jars, data, logs, pid files). `.stack/` is
 * git-ignored; STACK_DIR moves it, e.g. to try the embedded PostgreSQL in isolation.
 */
export function stackPaths() {
  const root = path.resolve(process.env.STACK_DIR ?? path.join(repoRoot, '.stack'));
  const kafka = path.join(root, 'kafka');
  const postgres = path.join(root, 'postgres');
  return {
    root,
    envFile: path.join(root, 'stack.env'),
    lock: path.join(root, 'lock'),
    containers: path.join(root, 'containers.json'),
    kafka: {
      dir: kafka,
      pom: path.join(__dirname, 'kafka', 'pom.xml'),
      lib: path.join(kafka, 'lib'),
      data: path.join(kafka, 'data'),
      properties: path.join(kafka, 'server.properties'),
      log4j: path.join(kafka, 'log4j2.xml'),
      log: path.join(kafka, 'broker.log'),
      pid: path.join(kafka, 'broker.pid'),
    },
    postgres: {
      dir: postgres,
      data: path.join(postgres, 'data'),
      log: path.join(postgres, 'postgres.log'),
      // PostgreSQL's own pid file: first line the pid, fourth line the port.
      pid: path.join(postgres, 'data', 'postmaster.pid'),
    },
  };
}

export type StackPaths = ReturnType<typeof stackPaths>;
