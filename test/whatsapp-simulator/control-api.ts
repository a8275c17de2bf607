import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FaultOrder } from './faults';
import { readBody, sendJson } from './http-exchange';
import type { MessageFilter, StatusName } from './record';
import type { SettingsPatch } from './settings';
import type { ShopperIdentityProfile } from './shopper-identities';
import type { TemplateEvent } from './webhook-payloads';
import type { ShopperReplyOrder, WhatsAppSimulator } from './simulator';

/**
 * `/_simulator/*`: the record, faults and shopper actions over HTTP, for black-box tests and
 * the demo running in other processes. Kept apart from the Graph API paths, which always
 * start with a version (`/v23.0/…`).
 */
export async function handleControlRequest(
  req: IncomingMessage,
  res: ServerResponse,
  simulator: WhatsAppSimulator,
): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://simulator');
  const route = `${req.method} ${url.pathname.replace(/\/+$/, '')}`;
  const body = await readBody(req);
  const input = (body.json ?? {}) as Record<string, unknown>;
  if (body.raw !== '' && body.json === undefined) return sendJson(res, 400, { error: 'body must be JSON' });
  const ok = (value: unknown) => sendJson(res, 200, value);
  try {
    switch (route) {
      case 'GET /_simulator/health':
        return ok({ ok: true });
      case 'GET /_simulator/messages':
        return ok(page('messages', simulator.record.findMessages(filterOf(url)), url));
      case 'DELETE /_simulator/messages':
        simulator.record.clear();
        return ok({ cleared: true });
      case 'GET /_simulator/attempts':
        return ok(page('attempts', simulator.record.findAttempts(filterOf(url)), url));
      case 'GET /_simulator/webhooks':
        return ok(page('webhooks', [...simulator.record.webhooks], url));
      case 'GET /_simulator/webhooks/idle':
        return ok({ idle: await settled(simulator, Number(url.searchParams.get('timeoutMs') ?? 10_000)) });
      case 'GET /_simulator/stats':
        return ok(simulator.record.stats());
      case 'GET /_simulator/faults':
        return ok(simulator.faults.describe());
      case 'POST /_simulator/faults':
        simulator.faults.apply(input as FaultOrder);
        return ok(simulator.faults.describe());
      case 'DELETE /_simulator/faults':
        simulator.faults.clear();
        return ok(simulator.faults.describe());
      case 'GET /_simulator/settings':
        return ok(simulator.settings());
      case 'PATCH /_simulator/settings':
        simulator.updateSettings(input as SettingsPatch);
        return ok(simulator.settings());
      case 'POST /_simulator/reset':
        simulator.reset();
        return ok({ reset: true });
      case 'POST /_simulator/inbound':
        return ok(await simulator.replyFromShopper(input as unknown as ShopperReplyOrder));
      case 'POST /_simulator/statuses': {
        if (!simulator.record.message(String(input.wamid))) {
          return sendJson(res, 404, { error: `no accepted message ${String(input.wamid)}` });
        }
        if (!['sent', 'delivered', 'read', 'failed'].includes(String(input.status))) {
          return sendJson(res, 400, { error: 'status must be sent, delivered, read or failed' });
        }
        const errorCode = typeof input.errorCode === 'number' ? input.errorCode : undefined;
        return ok({
          delivery: (await simulator.sendStatus(String(input.wamid), input.status as StatusName, errorCode)) ?? null,
        });
      }
      case 'POST /_simulator/template-webhooks': {
        const { wabaId, ...event } = input as { wabaId?: string } & Record<string, unknown>;
        if (!['status', 'category-impending', 'category-completed'].includes(String(event.kind))) {
          return sendJson(res, 400, { error: 'kind must be status, category-impending or category-completed' });
        }
        if (typeof event.name !== 'string' || typeof event.language !== 'string') {
          return sendJson(res, 400, { error: 'name and language are required' });
        }
        const delivery = await simulator.templateWebhook(event as unknown as TemplateEvent, wabaId);
        return ok({ delivery: delivery ?? null });
      }
      case 'POST /_simulator/marketing-terms-signed': {
        const wabaId = typeof input.wabaId === 'string' ? input.wabaId : undefined;
        return ok({ delivery: (await simulator.signMarketingTerms(wabaId)) ?? null });
      }
      case 'GET /_simulator/shopper-identities':
        return ok(simulator.identities.describe());
      case 'POST /_simulator/shopper-identities': {
        if (input.defaults !== undefined) simulator.identities.defaults = input.defaults as ShopperIdentityProfile;
        if (typeof input.waId === 'string') {
          simulator.identities.set(input.waId, (input.profile ?? null) as ShopperIdentityProfile | null);
        }
        return ok(simulator.identities.describe());
      }
      case 'POST /_simulator/webhook-verification':
        return ok(
          await simulator.verifyWebhook(String(input.verifyToken ?? ''), input.challenge as string | undefined),
        );
      default:
        return sendJson(res, 404, { error: `no route ${route}` });
    }
  } catch (error) {
    return sendJson(res, 400, { error: (error as Error).message });
  }
}

function filterOf(url: URL): MessageFilter {
  const q = url.searchParams;
  const filter: MessageFilter = {};
  for (const key of ['phoneNumberId', 'to', 'bizOpaqueCallbackData', 'wamid'] as const) {
    const value = q.get(key);
    if (value !== null) filter[key] = value;
  }
  if (q.has('since')) filter.since = Number(q.get('since'));
  return filter;
}

/** `?offset=&limit=` over a list, with the total before paging. */
function page<T>(name: string, items: T[], url: URL): Record<string, unknown> {
  const offset = Math.max(0, Number(url.searchParams.get('offset') ?? 0) || 0);
  const limit = url.searchParams.has('limit') ? Math.max(0, Number(url.searchParams.get('limit')) || 0) : items.length;
  return { total: items.length, offset, [name]: items.slice(offset, offset + limit) };
}

async function settled(simulator: WhatsAppSimulator, timeoutMs: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs)));
  try {
    return await Promise.race([simulator.webhooksIdle().then(() => true), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
