import { DateTime } from 'luxon';
import { describeSchedule, nextClosing, planSend, type StoreSchedule } from '@lib/business-hours';
import type { SendPreview, StoreSettings } from '@lib/contracts';

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/i;

/** Its shape is the contracts' (SendPreviewSchema, shown in docs/api/ingest.openapi.json). */
export type { SendPreview };

/** Reads `?detectedAt=` (RFC 3339 with offset); undefined when it is missing or not one. */
export function parseDetectedAt(text: unknown): Date | undefined {
  if (typeof text !== 'string' || !RFC3339.test(text)) return undefined;
  const at = new Date(text);
  return Number.isNaN(at.getTime()) ? undefined : at;
}

/** When a cart of this store detected as abandoned at `detectedAt` would get its message. */
export function previewSend(settings: StoreSettings, detectedAt: Date): SendPreview {
  const schedule: StoreSchedule = {
    timezone: settings.timezone,
    openingHours: settings.openingHours,
    closedDates: settings.closedDates,
  };
  const base = {
    storeId: settings.storeId,
    enabled: settings.enabled,
    timezone: settings.timezone,
    detectedAt: detectedAt.toISOString(),
    desiredAt: new Date(detectedAt.getTime() + settings.sendDelayMinutes * 60_000).toISOString(),
    notAfter: new Date(detectedAt.getTime() + settings.maxDeferralHours * 3_600_000).toISOString(),
    scheduleAtDetection: describeSchedule(schedule, detectedAt),
  };
  const sendAt = planSend({
    ...schedule,
    detectedAt,
    sendDelayMinutes: settings.sendDelayMinutes,
    maxDeferralHours: settings.maxDeferralHours,
  });
  if (!sendAt) return { ...base, outcome: 'expire' };
  return {
    ...base,
    outcome: 'send',
    sendAt: sendAt.toISOString(),
    sendAtLocal: DateTime.fromJSDate(sendAt, { zone: settings.timezone }).toISO()!,
    openUntil: nextClosing(sendAt, schedule)?.toISOString() ?? null,
  };
}
