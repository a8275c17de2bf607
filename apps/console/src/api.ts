/// <reference lib="dom" />
// The console's calls: ingest's console API, with the console token and nothing else.
export class ConsoleApi {
  constructor(
    private readonly token: string,
    readonly storeId: string,
    private readonly onExpired: () => void,
  ) {}

  async call<T>(
    method: string,
    path: string,
    body?: unknown,
  ): Promise<{ ok: true; value: T } | { ok: false; problems: string[] }> {
    const response = await fetch(`/console/api/stores/${encodeURIComponent(this.storeId)}/${path}`, {
      method,
      headers: {
        authorization: `Bearer ${this.token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const answer = (await response.json().catch(() => ({}))) as { problems?: string[]; message?: string };
    if (response.status === 401) this.onExpired();
    if (response.ok) return { ok: true, value: answer as T };
    return { ok: false, problems: answer.problems ?? [String(answer.message ?? response.status)] };
  }
}

/** The store a token speaks for, read (not verified: the server does that) from its claims. */
export function storeOfToken(token: string): string | undefined {
  try {
    const claims = JSON.parse(atob(token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/'))) as { store?: unknown };
    return typeof claims.store === 'string' ? claims.store : undefined;
  } catch {
    return undefined;
  }
}
