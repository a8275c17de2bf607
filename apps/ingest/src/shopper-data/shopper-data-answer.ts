import {
  SHOPPER_DATA_SERVICES,
  type IngestShopperData,
  type SchedulerShopperData,
  type SenderShopperData,
  type ShopperData,
  type ShopperDataService,
} from '@lib/contracts';

/** What ingest heard from one service it asked: its part, or why there is none. */
export type ServiceAnswer =
  { ok: true; body: unknown } | { ok: false; why: 'unset' | 'no answer' | 'refused'; status?: number };

/** The env var naming each service's base URL. */
export const SHOPPER_DATA_URL_SETTING: Record<ShopperDataService, string> = {
  scheduler: 'SHOPPER_DATA_SCHEDULER_URL',
  sender: 'SHOPPER_DATA_SENDER_URL',
};

/** The table lists each service's part must carry (its contract's fields). */
const PARTS: Record<ShopperDataService, readonly string[]> = {
  scheduler: ['carts', 'abandonments', 'messageOutcomes', 'linkClicks', 'contacts', 'consentRecords'],
  sender: ['messages', 'contacts', 'optOuts', 'suppressions', 'shopperIdentities', 'marketingLimits'],
};

export type ShopperDataDecision =
  | { ok: true; answer: ShopperData }
  /** 503: a service's URL is not configured; 502: a service did not answer (or not as agreed), named. */
  | { ok: false; status: 502 | 503; service: ShopperDataService; message: string };

/**
 * The access request's answer from every service's part, or the first service that did not
 * give one, named: a partial answer would let a platform tell a shopper "that is all" when it
 * is not.
 */
export function shopperDataAnswer(
  query: { phone: string; storeId: string | null; generatedAt: Date },
  ingest: IngestShopperData,
  answers: Record<ShopperDataService, ServiceAnswer>,
): ShopperDataDecision {
  for (const service of SHOPPER_DATA_SERVICES) {
    const answer = answers[service];
    if (!answer.ok && answer.why === 'unset') {
      return {
        ok: false,
        status: 503,
        service,
        message: `access requests are not configured: ${SHOPPER_DATA_URL_SETTING[service]} is unset`,
      };
    }
    if (!answer.ok || !isPart(service, answer.body)) {
      const detail = answer.ok ? ' with its part' : answer.why === 'refused' ? ` (HTTP ${answer.status})` : '';
      return { ok: false, status: 502, service, message: `the ${service} did not answer${detail}` };
    }
  }
  return {
    ok: true,
    answer: {
      phone: query.phone,
      storeId: query.storeId,
      generatedAt: query.generatedAt.toISOString(),
      ingest,
      scheduler: (answers.scheduler as { body: SchedulerShopperData }).body,
      sender: (answers.sender as { body: SenderShopperData }).body,
    },
  };
}

function isPart(service: ShopperDataService, body: unknown): boolean {
  if (body === null || typeof body !== 'object') return false;
  return PARTS[service].every((table) => Array.isArray((body as Record<string, unknown>)[table]));
}
