import type { ApprovedTemplate } from './approved-templates';
import type { PairRateSettings } from './rate-limits';
import type { StatusName } from './record';
import type { BusinessNumber } from './webhook-payloads';

/** One JSON line's worth: what happened and its fields. */
export type SimulatorLog = (event: string, fields: Record<string, unknown>) => void;

export type Latency = number | { minMs: number; maxMs: number };

export interface WebhookOptions {
  /** Where Meta would POST: the app's webhook endpoint. No URL, no webhooks (statuses are still recorded). */
  url?: string;
  /** Signs every POST (`X-Hub-Signature-256`). Required with a URL. */
  appSecret?: string;
  /** Which statuses follow an accepted message, in this order. Default sent, delivered, read. */
  statuses?: Array<Exclude<StatusName, 'failed'>>;
  /** Delay of each status after acceptance (ms). Default sent 100, delivered 500, read 2,000. */
  delaysMs?: Partial<Record<Exclude<StatusName, 'failed'>, number>>;
  /** Chance (0..1) that a status is sent twice. */
  duplicateProbability?: number;
  /** Chance (0..1) that a message's read comes before its delivered. */
  outOfOrderProbability?: number;
  /** Per POST; a slower answer counts as a failure and is retried. Default 5,000. */
  timeoutMs?: number;
  /** Bounded retries with exponential backoff (and jitter) on a non-2xx answer or a network error. */
  retry?: { maxAttempts?: number; firstDelayMs?: number; maxDelayMs?: number };
}

export interface LimitOptions {
  /** Messages per second per business phone number id (Meta: 80 by default, up to 1,000). */
  throughputPerSecond?: number;
  /** Per business number and recipient; `false` turns it off (load tests). Default 1 per 6,000 ms, burst 3. */
  pairRate?: PairRateSettings | false;
}

export interface SimulatorOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Valid access tokens per business phone number id; the key `*` makes a token valid for every id. */
  tokens: Record<string, string | string[]>;
  /** Display number and WABA id per business phone number id, for webhook metadata; derived when absent. */
  businessNumbers?: Record<string, { displayPhoneNumber?: string; wabaId?: string }>;
  /** WABA id used for numbers without their own. */
  wabaId?: string;
  /** Approved templates to check template sends against; absent: any well-formed template is accepted. */
  templates?: ApprovedTemplate[];
  /** Business phone number ids whose business has not accepted the Marketing Messages API terms: 131055 there. */
  marketingTermsNotAccepted?: string[];
  /**
   * Paced templates by name: a send of one is accepted with this `message_status` and held (no
   * status webhook) until the test releases it (`POST /_simulator/statuses`: sent, or failed to drop it).
   */
  pacedTemplates?: Record<string, PacedStatus>;
  limits?: LimitOptions;
  /** Added before every Graph API answer: fixed ms or a uniform range. */
  latencyMs?: Latency;
  webhooks?: WebhookOptions;
  /** Epoch ms; tests may pass their own. */
  clock?: () => number;
  /** 0..1; drives random faults, duplicates, out-of-order statuses and jitter. */
  random?: () => number;
  log?: SimulatorLog;
}

export interface WebhookSettings {
  url?: string;
  appSecret?: string;
  statuses: Array<Exclude<StatusName, 'failed'>>;
  delaysMs: Record<Exclude<StatusName, 'failed'>, number>;
  duplicateProbability: number;
  outOfOrderProbability: number;
  timeoutMs: number;
  retry: { maxAttempts: number; firstDelayMs: number; maxDelayMs: number };
}

/** What can change while the simulator runs (`PATCH /_simulator/settings`). */
export interface SimulatorSettings {
  tokens: Map<string, Set<string>>;
  templates?: ApprovedTemplate[];
  marketingTermsNotAccepted: string[];
  pacedTemplates: Record<string, PacedStatus>;
  throughputPerSecond: number;
  pairRate: PairRateSettings | false;
  latencyMs: Latency;
  webhooks: WebhookSettings;
}

export interface SettingsPatch {
  tokens?: Record<string, string | string[]>;
  templates?: ApprovedTemplate[] | null;
  marketingTermsNotAccepted?: string[];
  pacedTemplates?: Record<string, PacedStatus>;
  limits?: LimitOptions;
  latencyMs?: Latency;
  webhooks?: WebhookOptions;
}

/** Meta's `message_status` of an accepted send it holds back (a paced template). */
export const PACED_STATUSES = ['held_for_quality_assessment', 'paused'] as const;
export type PacedStatus = (typeof PACED_STATUSES)[number];

const STATUS_ORDER = ['sent', 'delivered', 'read'] as const;

export function resolveSettings(options: SimulatorOptions): SimulatorSettings {
  const settings: SimulatorSettings = {
    tokens: new Map(),
    marketingTermsNotAccepted: [],
    pacedTemplates: {},
    throughputPerSecond: 80,
    pairRate: { intervalMs: 6000, burst: 3 },
    latencyMs: 0,
    webhooks: {
      statuses: [...STATUS_ORDER],
      delaysMs: { sent: 100, delivered: 500, read: 2000 },
      duplicateProbability: 0,
      outOfOrderProbability: 0,
      timeoutMs: 5000,
      retry: { maxAttempts: 5, firstDelayMs: 500, maxDelayMs: 10_000 },
    },
  };
  applySettingsPatch(settings, {
    tokens: options.tokens,
    templates: options.templates,
    marketingTermsNotAccepted: options.marketingTermsNotAccepted,
    pacedTemplates: options.pacedTemplates,
    limits: options.limits,
    latencyMs: options.latencyMs,
    webhooks: options.webhooks,
  });
  return settings;
}

/** Validates and applies a change; throws with a readable message on a bad value, leaving settings untouched. */
export function applySettingsPatch(settings: SimulatorSettings, patch: SettingsPatch): void {
  const next: SimulatorSettings = {
    ...settings,
    tokens: new Map([...settings.tokens].map(([id, set]) => [id, new Set(set)])),
    webhooks: {
      ...settings.webhooks,
      delaysMs: { ...settings.webhooks.delaysMs },
      retry: { ...settings.webhooks.retry },
    },
  };
  for (const [phoneNumberId, tokens] of Object.entries(patch.tokens ?? {})) {
    const list = [tokens].flat();
    if (list.some((t) => typeof t !== 'string' || t === '')) throw new Error(`tokens.${phoneNumberId}: empty token`);
    next.tokens.set(phoneNumberId, new Set([...(next.tokens.get(phoneNumberId) ?? []), ...list]));
  }
  if (patch.templates !== undefined) next.templates = patch.templates ?? undefined;
  if (patch.marketingTermsNotAccepted !== undefined) {
    if (
      !Array.isArray(patch.marketingTermsNotAccepted) ||
      patch.marketingTermsNotAccepted.some((id) => typeof id !== 'string')
    )
      throw new Error('marketingTermsNotAccepted: a list of phone number ids');
    next.marketingTermsNotAccepted = [...patch.marketingTermsNotAccepted];
  }
  if (patch.pacedTemplates !== undefined) {
    const entries = Object.entries(patch.pacedTemplates ?? {});
    if (entries.some(([, status]) => !(PACED_STATUSES as readonly string[]).includes(status))) {
      throw new Error(`pacedTemplates: each template's status must be one of ${PACED_STATUSES.join(', ')}`);
    }
    next.pacedTemplates = Object.fromEntries(entries);
  }
  const limits = patch.limits ?? {};
  if (limits.throughputPerSecond !== undefined) {
    next.throughputPerSecond = positiveInteger('limits.throughputPerSecond', limits.throughputPerSecond);
  }
  if (limits.pairRate !== undefined) {
    next.pairRate =
      limits.pairRate === false
        ? false
        : {
            intervalMs: positive('limits.pairRate.intervalMs', limits.pairRate.intervalMs),
            burst: positiveInteger('limits.pairRate.burst', limits.pairRate.burst),
          };
  }
  if (patch.latencyMs !== undefined) next.latencyMs = checkLatency(patch.latencyMs);
  const webhooks = patch.webhooks ?? {};
  const w = next.webhooks;
  if (webhooks.url !== undefined) w.url = webhooks.url === '' ? undefined : new URL(webhooks.url).toString();
  if (webhooks.appSecret !== undefined) w.appSecret = webhooks.appSecret;
  if (webhooks.statuses !== undefined) {
    if (!webhooks.statuses.every((s) => (STATUS_ORDER as readonly string[]).includes(s))) {
      throw new Error(`webhooks.statuses: each must be one of ${STATUS_ORDER.join(', ')}`);
    }
    w.statuses = STATUS_ORDER.filter((s) => webhooks.statuses!.includes(s));
  }
  for (const [status, ms] of Object.entries(webhooks.delaysMs ?? {})) {
    if (!(STATUS_ORDER as readonly string[]).includes(status))
      throw new Error(`webhooks.delaysMs.${status}: unknown status`);
    w.delaysMs[status as keyof WebhookSettings['delaysMs']] = nonNegative(`webhooks.delaysMs.${status}`, ms);
  }
  if (webhooks.duplicateProbability !== undefined) {
    w.duplicateProbability = probability('webhooks.duplicateProbability', webhooks.duplicateProbability);
  }
  if (webhooks.outOfOrderProbability !== undefined) {
    w.outOfOrderProbability = probability('webhooks.outOfOrderProbability', webhooks.outOfOrderProbability);
  }
  if (webhooks.timeoutMs !== undefined) w.timeoutMs = positive('webhooks.timeoutMs', webhooks.timeoutMs);
  const retry = webhooks.retry ?? {};
  if (retry.maxAttempts !== undefined)
    w.retry.maxAttempts = positiveInteger('webhooks.retry.maxAttempts', retry.maxAttempts);
  if (retry.firstDelayMs !== undefined)
    w.retry.firstDelayMs = nonNegative('webhooks.retry.firstDelayMs', retry.firstDelayMs);
  if (retry.maxDelayMs !== undefined) w.retry.maxDelayMs = nonNegative('webhooks.retry.maxDelayMs', retry.maxDelayMs);
  if (w.url && !w.appSecret)
    throw new Error('webhooks.appSecret is required with webhooks.url (Meta signs every POST)');
  Object.assign(settings, next);
}

/** The business number as webhooks describe it. */
export function businessNumber(options: SimulatorOptions, phoneNumberId: string): BusinessNumber {
  const own = options.businessNumbers?.[phoneNumberId];
  const digits = phoneNumberId.replace(/\D/g, '').slice(-7).padStart(7, '0');
  return {
    phoneNumberId,
    displayPhoneNumber: own?.displayPhoneNumber ?? `1555${digits}`,
    wabaId: own?.wabaId ?? options.wabaId ?? '100000000000001',
  };
}

export function pickLatency(latency: Latency, random: () => number): number {
  if (typeof latency === 'number') return latency;
  return latency.minMs + random() * (latency.maxMs - latency.minMs);
}

function checkLatency(latency: Latency): Latency {
  if (typeof latency === 'number') return nonNegative('latencyMs', latency);
  const minMs = nonNegative('latencyMs.minMs', latency?.minMs);
  const maxMs = nonNegative('latencyMs.maxMs', latency?.maxMs);
  if (maxMs < minMs) throw new Error('latencyMs.maxMs must be at least minMs');
  return { minMs, maxMs };
}

function positive(name: string, value: unknown): number {
  if (typeof value !== 'number' || !(value > 0) || !Number.isFinite(value))
    throw new Error(`${name} must be a positive number`);
  return value;
}

function positiveInteger(name: string, value: unknown): number {
  if (!Number.isInteger(value) || (value as number) < 1) throw new Error(`${name} must be a positive integer`);
  return value as number;
}

function nonNegative(name: string, value: unknown): number {
  if (typeof value !== 'number' || !(value >= 0) || !Number.isFinite(value))
    throw new Error(`${name} must be a number ≥ 0`);
  return value;
}

function probability(name: string, value: unknown): number {
  if (typeof value !== 'number' || !(value >= 0 && value <= 1)) throw new Error(`${name} must be between 0 and 1`);
  return value;
}
