import type { StoreSettings, Weekday } from '@lib/contracts';
import { CartFacts, ineligibility, phaseOf } from './cart-facts';

/**
 * The abandonment state machine of one cart, as pure functions of (facts, previous episode,
 * store settings). An episode is one abandonment of the cart: it is planned, moved and
 * cancelled by cart events while open, and closed by its timer (message emitted, expired, or
 * skipped). Activity after a closed episode starts the next one.
 *
 *   open:   idle | waiting-settings | disabled | scheduled | expiring | cancelled
 *   closed: emitted | held-out | expired | skipped   (only a timer closes an episode)
 */
export type EpisodeStatus =
  | 'idle'
  | 'waiting-settings'
  | 'disabled'
  | 'scheduled'
  | 'expiring'
  | 'cancelled'
  | 'emitted'
  | 'held-out'
  | 'expired'
  | 'skipped';

export const CLOSED_STATUSES: ReadonlySet<EpisodeStatus> = new Set(['emitted', 'held-out', 'expired', 'skipped']);

/** Open statuses whose plan depends on the store's settings: replanned when they change. */
export const REPLANNED_STATUSES: readonly EpisodeStatus[] = ['waiting-settings', 'disabled', 'scheduled', 'expiring'];

export interface Episode {
  number: number;
  status: EpisodeStatus;
  /** idle: why not abandonable; cancelled: converted | emptied; skipped: frequency-cap | opted-out. */
  reason: string | null;
  /** When the cart counted as abandoned (last activity + abandonAfterMinutes). */
  detectedAt: number | null;
  /** When the message is due (`planSend`). */
  dueAt: number | null;
  notAfter: number | null;
  /** When a timer closed the episode. */
  closedAt: number | null;
  sendId: string | null;
}

/** The settings that decide when a cart is abandoned and when its message goes out. */
export type PlanningSettings = Pick<
  StoreSettings,
  | 'enabled'
  | 'timezone'
  | 'openingHours'
  | 'closedDates'
  | 'abandonAfterMinutes'
  | 'sendDelayMinutes'
  | 'maxDeferralHours'
  | 'minHoursBetweenMessages'
>;

/** `planSend` of `@lib/business-hours` (contracts.md): the earliest open instant, or null. */
export type PlanSend = (input: {
  detectedAt: Date;
  timezone: string;
  openingHours: Record<Weekday, Array<[string, string]>>;
  closedDates?: string[];
  sendDelayMinutes: number;
  maxDeferralHours: number;
}) => Date | null;

export interface PlanContext {
  /** The store's settings; undefined while the scheduler has none for the store. */
  settings: PlanningSettings | undefined;
  /** The customer's phone opted out of this store's messages. */
  optedOut: boolean;
  planSend: PlanSend;
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

export function firstEpisode(): Episode {
  return {
    number: 1,
    status: 'idle',
    reason: 'no-items',
    detectedAt: null,
    dueAt: null,
    notAfter: null,
    closedAt: null,
    sendId: null,
  };
}

export function isClosed(episode: Episode): boolean {
  return CLOSED_STATUSES.has(episode.status);
}

/** The durable timer an episode needs, if any. */
export function timerOf(episode: Episode): { at: number; kind: 'send' | 'expire' } | null {
  if (episode.status === 'scheduled' && episode.dueAt !== null) return { at: episode.dueAt, kind: 'send' };
  if (episode.status === 'expiring' && episode.detectedAt !== null) return { at: episode.detectedAt, kind: 'expire' };
  return null;
}

/**
 * The episode that the cart's facts call for. A closed episode stays closed unless the
 * shopper was active after it closed: then the next episode is planned from scratch.
 */
export function planEpisode(facts: CartFacts, previous: Episode, ctx: PlanContext): Episode {
  let number = previous.number;
  if (isClosed(previous)) {
    const activeSince = facts.activity !== undefined && facts.activity.at > (previous.closedAt ?? Infinity);
    if (!activeSince) return previous;
    number += 1;
  }
  const base: Episode = {
    number,
    status: 'idle',
    reason: null,
    detectedAt: null,
    dueAt: null,
    notAfter: null,
    closedAt: null,
    sendId: null,
  };
  const { settings, optedOut } = ctx;
  const phase = phaseOf(facts);
  const notEligible = ineligibility(facts, optedOut);

  if (phase !== 'open') {
    // Converted or emptied before any message: it was an abandonment only if the shopper had
    // been away for abandonAfterMinutes first (so stats count it), else nothing happened.
    const endedAt = facts.newest!.s.at;
    const detectedAt =
      settings && facts.activity && !notEligible ? facts.activity.at + settings.abandonAfterMinutes * MINUTE : null;
    const abandoned = detectedAt !== null && detectedAt <= endedAt;
    return {
      ...base,
      status: 'cancelled',
      reason: phase,
      detectedAt: abandoned ? detectedAt : null,
      dueAt: abandoned && settings!.enabled ? plannedDue(detectedAt, settings!, ctx) : null,
    };
  }
  if (notEligible || !facts.activity) return { ...base, status: 'idle', reason: notEligible ?? 'no-items' };
  if (!settings) return { ...base, status: 'waiting-settings' };

  const detectedAt = facts.activity.at + settings.abandonAfterMinutes * MINUTE;
  if (!settings.enabled) return { ...base, status: 'disabled', detectedAt };
  const dueAt = plannedDue(detectedAt, settings, ctx);
  if (dueAt === null) return { ...base, status: 'expiring', reason: 'no-opening-in-time', detectedAt };
  return {
    ...base,
    status: 'scheduled',
    detectedAt,
    dueAt,
    notAfter: detectedAt + settings.maxDeferralHours * HOUR,
  };
}

function plannedDue(detectedAt: number, settings: PlanningSettings, ctx: PlanContext): number | null {
  const due = ctx.planSend({
    detectedAt: new Date(detectedAt),
    timezone: settings.timezone,
    openingHours: settings.openingHours as Record<Weekday, Array<[string, string]>>,
    closedDates: settings.closedDates,
    sendDelayMinutes: settings.sendDelayMinutes,
    maxDeferralHours: settings.maxDeferralHours,
  });
  return due === null ? null : due.getTime();
}

/** Two episodes are the same plan (nothing to write). */
export function sameEpisode(a: Episode, b: Episode): boolean {
  return (
    a.number === b.number &&
    a.status === b.status &&
    a.reason === b.reason &&
    a.detectedAt === b.detectedAt &&
    a.dueAt === b.dueAt &&
    a.notAfter === b.notAfter &&
    a.closedAt === b.closedAt &&
    a.sendId === b.sendId
  );
}
