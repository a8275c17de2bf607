import { scrubText } from '@lib/observability';
import type { GraphFailure } from './delivery-result';

/**
 * Graph API error codes and what the sender does about them, from Meta's error-code table
 * (see /work/shared/reference/whatsapp-cloud-api.md and docs/sender-delivery.md). Keyed on
 * `error.code`, never on `error_subcode` (deprecated) nor on the HTTP status alone: Meta
 * answers its rate limits with 400, not 429.
 */
type Action = 'transient' | 'permanent' | 'token-rejected';

interface CodeRule {
  action: Action;
  /** A pace the limit itself implies, so a retry does not hit it again at once. */
  retryAfterMs?: number;
  /** A per-number sending limit refused it: nothing went out (`TransientFailure.paced`). */
  paced?: true;
}

export const GRAPH_ERROR_RULES: Readonly<Record<number, CodeRule>> = {
  // Rate and usage limits: wait, then try again.
  4: { action: 'transient', retryAfterMs: 10_000 }, // app call limit
  80007: { action: 'transient', retryAfterMs: 10_000 }, // WABA rate limit
  130429: { action: 'transient', retryAfterMs: 1_000, paced: true }, // throughput per phone number
  131056: { action: 'transient', retryAfterMs: 6_000, paced: true }, // pair rate: about one per 6 s per recipient
  // Meta's side is unwell.
  1: { action: 'transient' },
  2: { action: 'transient' },
  131000: { action: 'transient' },
  131016: { action: 'transient' },
  131057: { action: 'transient', retryAfterMs: 60_000 }, // account in maintenance mode
  133004: { action: 'transient', retryAfterMs: 10_000 }, // server temporarily unavailable

  // This message, as it is, will not go out.
  100: { action: 'permanent' }, // invalid or missing parameter
  2500: { action: 'permanent' }, // unknown path: a configuration mistake, not a passing trouble
  131008: { action: 'permanent' }, // required parameter missing
  131009: { action: 'permanent' }, // parameter value not valid
  131021: { action: 'permanent' }, // recipient is the sender
  131026: { action: 'permanent' }, // undeliverable: not on WhatsApp, old app, terms not accepted
  131030: { action: 'permanent' }, // recipient not in the test number's allowed list
  131047: { action: 'permanent' }, // re-engagement: over 24 h since the shopper wrote
  131049: { action: 'permanent' }, // Meta kept it back for ecosystem health: not again soon
  131050: { action: 'permanent' }, // shopper stopped marketing messages: an opt-out
  131051: { action: 'permanent' }, // unsupported message type
  131062: { action: 'permanent' }, // a business-scoped user id not supported for this message
  130472: { action: 'permanent' }, // shopper is part of a Meta experiment
  130497: { action: 'permanent' }, // business cannot message users in that country
  // 132000–132018 (templates) are permanent by range, below.

  // The store cannot send at all.
  190: { action: 'token-rejected' }, // access token expired or invalid
  104: { action: 'token-rejected' }, // no access token
  10: { action: 'token-rejected' }, // permission denied
  200: { action: 'token-rejected' }, // permission error
  368: { action: 'token-rejected' }, // temporarily blocked for policy violations
  131031: { action: 'token-rejected' }, // business account locked
  131042: { action: 'token-rejected' }, // payment method problem
  131048: { action: 'token-rejected' }, // spam rate limit: the number is restricted
  133010: { action: 'token-rejected' }, // phone number not registered
  // The business portfolio has not accepted the Marketing Messages API terms: nothing goes
  // out on /marketing_messages until it does (or the sender falls back to /messages).
  131055: { action: 'token-rejected' },
};

/** 131055: the Marketing Messages API terms are not accepted for the business. */
export const MARKETING_TERMS_NOT_ACCEPTED = 131055;

const OPT_OUT_CODE = 131050;

interface GraphErrorBody {
  error?: { code?: unknown; message?: unknown; error_data?: { details?: unknown } };
}

/**
 * What to do about a Graph API error answer. `errorBody` is the parsed JSON (or anything:
 * a proxy's HTML page arrives as a string), `httpStatus` decides only when there is no code.
 */
export function classifyGraphError(httpStatus: number, errorBody: unknown): GraphFailure {
  const error = isObject(errorBody) ? (errorBody as GraphErrorBody).error : undefined;
  const code = typeof error?.code === 'number' && Number.isInteger(error.code) ? error.code : undefined;
  const reason = describe(httpStatus, code, error);

  const rule = code === undefined ? undefined : ruleFor(code);
  if (rule) {
    if (rule.action === 'token-rejected') return { kind: 'token-rejected', code: code!, reason };
    if (rule.action === 'permanent') {
      return code === OPT_OUT_CODE
        ? { kind: 'permanent', code, reason, optedOut: true }
        : { kind: 'permanent', code, reason };
    }
    return {
      kind: 'transient',
      code,
      reason,
      ...(rule.retryAfterMs === undefined ? {} : { retryAfterMs: rule.retryAfterMs }),
      ...(rule.paced ? { paced: true } : {}),
    };
  }

  // Unknown or missing code: the HTTP status is all there is.
  if (httpStatus === 401) return { kind: 'token-rejected', code: code ?? 190, reason };
  if (httpStatus === 429 || httpStatus === 408 || httpStatus >= 500) return { kind: 'transient', code, reason };
  // An unknown 4xx is a request Meta will refuse again: retrying would only burn quota.
  return { kind: 'permanent', code, reason };
}

function ruleFor(code: number): CodeRule | undefined {
  const rule = GRAPH_ERROR_RULES[code];
  if (rule) return rule;
  // Template errors: missing, wrong parameter count or format, paused, disabled…
  if (code >= 132000 && code <= 132999) return { action: 'permanent' };
  return undefined;
}

function describe(httpStatus: number, code: number | undefined, error: GraphErrorBody['error']): string {
  const message = typeof error?.message === 'string' ? error.message : undefined;
  const details = typeof error?.error_data?.details === 'string' ? error.error_data.details : undefined;
  const parts = [`HTTP ${httpStatus}`];
  if (code !== undefined) parts.push(`code ${code}`);
  if (message) parts.push(message);
  if (details && details !== message) parts.push(details);
  // Meta's texts never carry the token but can quote the recipient; cap them so a proxy's page does not flood the record.
  return scrubText(parts.join(': ')).slice(0, 500);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}
