import type { Resource } from './reconciliation-plan';
import { AdminAnswer, readAdminAnswer } from './admin-graphql';

export interface AdminApiTarget {
  /** `https://<shop>.myshopify.com`, or the configured stand-in. */
  baseUrl: string;
  version: string;
  /** Opened only for this request; never logged. */
  accessToken: string;
  timeoutMs: number;
}

/** One Admin GraphQL request (`POST /admin/api/<version>/graphql.json`), its answer read. */
export async function askAdminApi(
  target: AdminApiTarget,
  resource: Resource,
  body: { query: string; variables: Record<string, unknown> },
): Promise<AdminAnswer> {
  let res: Response;
  try {
    res = await fetch(`${target.baseUrl.replace(/\/$/, '')}/admin/api/${target.version}/graphql.json`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json',
        'x-shopify-access-token': target.accessToken,
      },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(target.timeoutMs),
    });
  } catch (e) {
    return { kind: 'failed', why: `request failed: ${(e as Error).message}`, transient: true };
  }
  let parsed: unknown;
  try {
    parsed = await res.json();
  } catch {
    parsed = undefined;
  }
  return readAdminAnswer(resource, res.status, parsed);
}
