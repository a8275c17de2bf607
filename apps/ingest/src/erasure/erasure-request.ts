import {
  E164_PATTERN,
  ERASING_SERVICES,
  STORE_ID_PATTERN,
  type ErasingService,
  type ErasureStatus,
} from '@lib/contracts';

export type ErasureInputDecision =
  | { ok: true; phone: string; storeId: string | null }
  /** 400: not a JSON object; 422: an object with bad fields, every problem named. */
  | { ok: false; status: 400 | 422; problems: string[] };

const E164 = new RegExp(E164_PATTERN);
const STORE_ID = new RegExp(STORE_ID_PATTERN);

/**
 * Checks `POST /v1/erasure-requests`' body: `phone` in E.164 (the form every service keeps it
 * in, so the erasure finds it), `storeId` a store id or left out (every store). Every problem
 * at once, as the admin API names them.
 */
export function checkErasureRequest(body: unknown): ErasureInputDecision {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    return {
      ok: false,
      status: 400,
      problems: ['the body must be a JSON object { "phone": "+34…", "storeId"?: "…" }'],
    };
  }
  const problems: string[] = [];
  const { phone, storeId, ...rest } = body as Record<string, unknown>;
  if (phone === undefined) problems.push('phone: required');
  else if (typeof phone !== 'string' || !E164.test(phone)) problems.push('phone: must be E.164 (+34600111222)');
  if (storeId !== undefined && storeId !== null && (typeof storeId !== 'string' || !STORE_ID.test(storeId))) {
    problems.push('storeId: must match [A-Za-z0-9._-]{1,64} (or be left out: every store)');
  }
  for (const field of Object.keys(rest)) problems.push(`${field}: not a field of an erasure request`);
  if (problems.length) return { ok: false, status: 422, problems };
  return { ok: true, phone: phone as string, storeId: (storeId as string | null | undefined) ?? null };
}

export interface ErasureRecord {
  id: string;
  storeId: string | null;
  requestedAt: Date;
  completedAt: Record<ErasingService, Date | null>;
}

/** A request is done once every service reported it erased; until then, pending. */
export function erasureStatus(record: ErasureRecord): ErasureStatus {
  const services = Object.fromEntries(
    ERASING_SERVICES.map((s) => [s, record.completedAt[s]?.toISOString() ?? null]),
  ) as Record<ErasingService, string | null>;
  return {
    id: record.id,
    storeId: record.storeId,
    requestedAt: record.requestedAt.toISOString(),
    status: ERASING_SERVICES.every((s) => record.completedAt[s] !== null) ? 'done' : 'pending',
    services,
  };
}
