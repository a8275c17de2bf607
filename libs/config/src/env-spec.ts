import { readFileSync } from 'node:fs';

/**
 * A tiny typed reader of environment variables. Each variable has one parser; every bad
 * variable is reported at once, by name, so an operator fixes a deployment in one go.
 */
export interface EnvVar<T> {
  readonly description: string;
  readonly secret?: boolean;
  parse(raw: string | undefined): T;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

type Spec = Record<string, EnvVar<unknown>>;
export type ConfigOf<S extends Spec> = { [K in keyof S]: S[K] extends EnvVar<infer T> ? T : never };

/**
 * A rule over several variables (a mechanism without SASL, a key without a certificate): it
 * gets what parsed and answers its problems, each starting with the variable it names.
 */
export type ConfigCheck = (config: Record<string, unknown>) => string[];

/**
 * Reads every variable of `spec`. A secret variable may come from a file instead
 * (`<NAME>_FILE`, how Kubernetes and Docker hand secrets over); setting both is a problem.
 */
export function readConfig<S extends Spec>(
  spec: S,
  env: NodeJS.ProcessEnv = process.env,
  checks: readonly ConfigCheck[] = [],
): ConfigOf<S> {
  const problems: string[] = [];
  const out: Record<string, unknown> = {};
  for (const [name, variable] of Object.entries(spec)) {
    let raw = emptyToUndefined(env[name]);
    if (variable.secret) {
      const file = emptyToUndefined(env[`${name}_FILE`]);
      if (file !== undefined && raw !== undefined) {
        problems.push(`${name}: set either ${name} or ${name}_FILE, not both. ${variable.description}`);
        continue;
      }
      if (file !== undefined) {
        try {
          raw = emptyToUndefined(readFileSync(file, 'utf8'));
        } catch (e) {
          problems.push(
            `${name}_FILE: cannot read ${file} (${(e as NodeJS.ErrnoException).code ?? 'error'}). ${variable.description}`,
          );
          continue;
        }
      }
    }
    try {
      out[name] = variable.parse(raw);
    } catch (e) {
      const shown = variable.secret || raw === undefined ? '' : ` (got "${raw}")`;
      problems.push(`${name}: ${(e as Error).message}${shown}. ${variable.description}`);
    }
  }
  for (const check of checks) problems.push(...check(out));
  if (problems.length) throw new ConfigError(problems);
  return out as ConfigOf<S>;
}

function emptyToUndefined(raw: string | undefined): string | undefined {
  return raw === undefined || raw.trim() === '' ? undefined : raw.trim();
}

function required<T>(raw: string | undefined, fallback: T | undefined): string | T {
  if (raw !== undefined) return raw;
  if (fallback !== undefined) return fallback;
  throw new Error('is required');
}

export const env = {
  string(description: string, opts: { default?: string; pattern?: RegExp; secret?: boolean } = {}): EnvVar<string> {
    return {
      description,
      secret: opts.secret,
      parse(raw) {
        const value = required(raw, opts.default);
        if (opts.pattern && !opts.pattern.test(value)) throw new Error(`must match ${opts.pattern}`);
        return value;
      },
    };
  },
  optionalString(description: string, opts: { secret?: boolean } = {}): EnvVar<string | undefined> {
    return { description, secret: opts.secret, parse: (raw) => raw };
  },
  optionalOneOf<T extends string>(description: string, values: readonly T[]): EnvVar<T | undefined> {
    return {
      description,
      parse(raw) {
        if (raw === undefined) return undefined;
        if (!values.includes(raw as T)) throw new Error(`must be one of ${values.join(', ')}`);
        return raw as T;
      },
    };
  },
  int(description: string, opts: { default?: number; min?: number; max?: number } = {}): EnvVar<number> {
    return {
      description,
      parse(raw) {
        const value = required<number>(raw, opts.default);
        const n = typeof value === 'number' ? value : Number(value);
        if (!Number.isInteger(n)) throw new Error('must be a whole number');
        if (opts.min !== undefined && n < opts.min) throw new Error(`must be at least ${opts.min}`);
        if (opts.max !== undefined && n > opts.max) throw new Error(`must be at most ${opts.max}`);
        return n;
      },
    };
  },
  bool(description: string, opts: { default?: boolean } = {}): EnvVar<boolean> {
    return {
      description,
      parse(raw) {
        const value = required<boolean>(raw, opts.default);
        if (typeof value === 'boolean') return value;
        if (/^(true|1|yes|on)$/i.test(value)) return true;
        if (/^(false|0|no|off)$/i.test(value)) return false;
        throw new Error('must be true or false');
      },
    };
  },
  oneOf<T extends string>(description: string, values: readonly T[], opts: { default?: T } = {}): EnvVar<T> {
    return {
      description,
      parse(raw) {
        const value = required(raw, opts.default);
        if (!values.includes(value as T)) throw new Error(`must be one of ${values.join(', ')}`);
        return value as T;
      },
    };
  },
  list(description: string, opts: { default?: string[]; minItems?: number; secret?: boolean } = {}): EnvVar<string[]> {
    return {
      description,
      secret: opts.secret,
      parse(raw) {
        const items =
          raw === undefined
            ? opts.default
            : raw
                .split(',')
                .map((s) => s.trim())
                .filter(Boolean);
        if (items === undefined) throw new Error('is required');
        if (opts.minItems !== undefined && items.length < opts.minItems)
          throw new Error(`needs at least ${opts.minItems} item(s)`);
        return items;
      },
    };
  },
  url(description: string, opts: { default?: string; protocols?: string[]; secret?: boolean } = {}): EnvVar<string> {
    return {
      description,
      secret: opts.secret,
      parse(raw) {
        const value = required(raw, opts.default);
        let url: URL;
        try {
          url = new URL(value);
        } catch {
          throw new Error('must be a URL');
        }
        if (opts.protocols && !opts.protocols.includes(url.protocol.replace(/:$/, ''))) {
          throw new Error(`must use ${opts.protocols.join(' or ')}`);
        }
        return value;
      },
    };
  },
};
