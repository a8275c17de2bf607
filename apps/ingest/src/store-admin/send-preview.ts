import { DateTime } from 'luxon';
import { describeSchedule, nextClosing, planSend, type StoreSchedule } from '@lib/business-hours';
import type { StoreSettings } from '@lib/contracts';

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/i;

export type SendPreview =
  | {
      storeId: string;
      enabled: boolean;
      timezone: string;
      detectedAt: string;
      /** detectedAt + sendDelayMinutes: when the message would leave if the store were open. */
      desiredAt: string;
      /** The latest a message may leave (detectedAt + maxDeferralHours). */
      notAfter: string;
      /** The store's schedule in words at detection: "open now until 20:00 Europe/Madrid". */
      scheduleAtDetection: string;
      outcome: 'send';
      sendAt: string;
      /** sendAt on the store's wall clock, with its offset. */
      sendAtLocal: string;
      /** When the opening that sendAt falls in closes; null when the store never closes within 8 days. */
      openUntil: string | null;
    }
  | {
      storeId: string;
      enabled: boolean;
      timezone: string;
      detectedAt: string;
      desiredAt: string;
      notAfter: string;
      scheduleAtDetection: string;
      /** No open instant before notAfter: the message would expire instead. */
      outcome: 'expire';
    };

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
