/**
 * An error is transient when retrying the same record later can succeed: the broker or the
 * database is away, a timeout. Those are retried forever (lose nothing); any other error is
 * the record's own fault and, after a few tries alone, sends it to the dead-letter topic.
 */
const TRANSIENT_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  // PostgreSQL: connection exceptions, admin shutdown, too many connections, serialization.
  '08000',
  '08001',
  '08003',
  '08004',
  '08006',
  '57P01',
  '57P02',
  '57P03',
  '53300',
  '40001',
  '40P01',
]);

export function isTransientError(error: unknown): boolean {
  if (!error || typeof error !== 'object') return false;
  const e = error as { code?: unknown; retriable?: unknown; name?: unknown; message?: unknown; cause?: unknown };
  if (typeof e.code === 'string' && TRANSIENT_CODES.has(e.code)) return true;
  if (e.retriable === true) return true;
  if (typeof e.name === 'string' && e.name.startsWith('KafkaJS')) return true;
  if (
    typeof e.message === 'string' &&
    /connection terminated|connection timeout|timeout exceeded|Connection refused/i.test(e.message)
  ) {
    return true;
  }
  return e.cause ? isTransientError(e.cause) : false;
}

/** A failure a handler marks as transient itself (e.g. a dependency answered 503). */
export class TransientError extends Error {
  readonly retriable = true;
}
