import { TSchema, Static } from '@sinclair/typebox';
import { TypeCheck, TypeCompiler } from '@sinclair/typebox/compiler';
import { Value } from '@sinclair/typebox/value';
import './primitives';

/** Machine codes written to `dlq-reason` (and answered per event by the cart-events API); the human text goes to `dlq-error`. */
export const REJECT_REASON_CODES = [
  'not-json',
  'too-large',
  'invalid-shape',
  'unknown-schema-version',
  'unknown-type',
  'invalid-id',
  'invalid-money',
  'invalid-time',
  'occurred-in-future',
  'unknown-source',
  'invalid-settings',
  'handler-error',
] as const;
export type RejectReason = (typeof REJECT_REASON_CODES)[number];

export type Decoded<T> = { ok: true; value: T } | { ok: false; reason: RejectReason; error: string };

export const MAX_RECORD_BYTES = 1024 * 1024;

/** Fields whose failure gets its own reason code, so operators can tell bad ids from bad money. */
const REASON_BY_FIELD: Array<[RegExp, RejectReason]> = [
  [/^\/schemaVersion$/, 'unknown-schema-version'],
  [/^\/type$/, 'unknown-type'],
  [/^\/(storeId|cartId|eventId|sendId|id|token)$/, 'invalid-id'],
  [/^\/(total|items\/\d+\/unitPrice)$/, 'invalid-money'],
  [
    /^\/(occurredAt|at|dueAt|detectedAt|notAfter|requestedAt|completedAt|createdAt|clickedAt|firstClickedAt)$/,
    'invalid-time',
  ],
];

export interface Contract<S extends TSchema> {
  readonly schema: S;
  /** Validate an already-parsed value. */
  check(value: unknown): Decoded<Static<S>>;
  /** Parse bytes (JSON) and validate. */
  decode(bytes: Buffer | string | null): Decoded<Static<S>>;
}

export function defineContract<S extends TSchema>(schema: S): Contract<S> {
  const compiled: TypeCheck<S> = TypeCompiler.Compile(schema);
  const check = (value: unknown): Decoded<Static<S>> => {
    if (compiled.Check(value)) return { ok: true, value };
    const first = compiled.Errors(value).First();
    const path = first?.path ?? '';
    const reason = REASON_BY_FIELD.find(([re]) => re.test(path))?.[1] ?? 'invalid-shape';
    return { ok: false, reason, error: `${path || '(root)'}: ${first?.message ?? 'invalid'}` };
  };
  const decode = (bytes: Buffer | string | null): Decoded<Static<S>> => {
    if (bytes === null) return { ok: false, reason: 'not-json', error: 'empty value' };
    const size = typeof bytes === 'string' ? Buffer.byteLength(bytes) : bytes.length;
    if (size > MAX_RECORD_BYTES)
      return { ok: false, reason: 'too-large', error: `value is ${size} bytes, limit ${MAX_RECORD_BYTES}` };
    let parsed: unknown;
    try {
      parsed = JSON.parse(typeof bytes === 'string' ? bytes : bytes.toString('utf8'));
    } catch (e) {
      return { ok: false, reason: 'not-json', error: `not JSON: ${(e as Error).message}` };
    }
    return check(parsed);
  };
  return { schema, check, decode };
}

/** Fill schema defaults (e.g. store settings) without mutating the input. */
export function withDefaults<S extends TSchema>(schema: S, value: unknown): unknown {
  return Value.Default(schema, Value.Clone(value));
}
