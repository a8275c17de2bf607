// The three services, each in this process on the real broker and database, against their
// OpenAPI documents (docs/api/<service>.openapi.json): every route the app registers is in the
// document and every documented route exists; what /openapi.json serves is the committed file;
// the /docs page loads only the service's own files; and real answers have the documented shape.
import Ajv2020 from 'ajv/dist/2020';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { EXAMPLE_STORE_SETTINGS } from '../apps/ingest/src/api-document';
import { TEST_CONSOLE_SIGNING_KEYS } from '../apps/ingest/test/console-keys';
import { startIngest, TEST_API_KEY } from '../apps/ingest/test/ingest-app';
import { API_KEY, isolatedEnvironment as schedulerEnvironment, startScheduler } from '../apps/scheduler/test/harness';
import {
  isolatedEnvironment as senderEnvironment,
  startSender,
  startSimulator,
  VERIFY_TOKEN,
} from '../apps/sender/test/harness';
import type { WhatsAppSimulator } from './whatsapp-simulator';
import { registeredRoutes } from './support/in-process-app';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
type Service = 'ingest' | 'scheduler' | 'sender';

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'options', 'head'];
const documentOf = (service: Service): Json =>
  JSON.parse(readFileSync(join(__dirname, '../docs/api', `${service}.openapi.json`), 'utf8'));

/** `GET /v1/stores/{storeId}` for each operation of the document. */
function documentedRoutes(doc: Json): string[] {
  return Object.entries(doc.paths as Record<string, Json>)
    .flatMap(([path, item]) => METHODS.filter((m) => item[m]).map((m) => `${m.toUpperCase()} ${path}`))
    .sort();
}

/** The same for the app's routes: Fastify's `:param` as `{param}`, the HEAD twin of each GET left out. */
function appRoutes(app: NestFastifyApplication): string[] {
  const routes = registeredRoutes(app).map((r) => ({ method: r.method, path: r.url.replace(/:(\w+)/g, '{$1}') }));
  const gets = new Set(routes.filter((r) => r.method === 'GET').map((r) => r.path));
  return [
    ...new Set(routes.filter((r) => !(r.method === 'HEAD' && gets.has(r.path))).map((r) => `${r.method} ${r.path}`)),
  ].sort();
}

/** Checks real answers against the document's schema for that path, method, status and type. */
function answerChecker(doc: Json) {
  const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: false });
  const base = 'https://cart-recovery.example/doc.json';
  ajv.addSchema({ ...doc, $id: base });
  return async (path: string, method: string, response: Response): Promise<Json> => {
    const operation = doc.paths[path]?.[method.toLowerCase()];
    if (!operation) throw new Error(`${method} ${path} is not documented`);
    let answer = operation.responses[String(response.status)];
    if (!answer) throw new Error(`${method} ${path} answered ${response.status}, which is not documented`);
    if (answer.$ref) answer = doc.components.responses[answer.$ref.split('/').pop()];
    const type = (response.headers.get('content-type') ?? '').split(';')[0];
    if (!answer.content) {
      const text = await response.text();
      return { status: response.status, ok: text === '', errors: text === '' ? null : `undocumented body ${text}` };
    }
    const media = Object.entries(answer.content ?? {}).find(([t]) => t.split(';')[0] === type)?.[1] as Json | undefined;
    if (!media) throw new Error(`${method} ${path} ${response.status}: ${type} is not a documented type`);
    const body = type === 'application/json' ? await response.json() : await response.text();
    const validate = ajv.compile(rewriteRefs(media.schema, base) as object);
    const ok = validate(body);
    return { status: response.status, ok, errors: ok ? null : validate.errors, body };
  };
}

const rewriteRefs = (v: unknown, base: string): unknown =>
  Array.isArray(v)
    ? v.map((x) => rewriteRefs(x, base))
    : v && typeof v === 'object'
      ? Object.fromEntries(
          Object.entries(v).map(([k, x]) => [
            k,
            k === '$ref' && typeof x === 'string' ? `${base}${x}` : rewriteRefs(x, base),
          ]),
        )
      : v;

const running: Array<{ close(): Promise<void> }> = [];
let simulator: WhatsAppSimulator | undefined;
afterAll(async () => {
  for (const r of running.reverse()) await r.close();
  await simulator?.close();
});

const apps: Partial<Record<Service, { app: NestFastifyApplication; url: string }>> = {};

beforeAll(async () => {
  const ingest = await startIngest('api-docs', { CONSOLE_SIGNING_KEYS: TEST_CONSOLE_SIGNING_KEYS });
  running.push(ingest);
  apps.ingest = ingest;
  const scheduler = await startScheduler(await schedulerEnvironment('api-docs'));
  running.push(scheduler);
  apps.scheduler = scheduler;
  simulator = await startSimulator();
  const sender = await startSender(await senderEnvironment('api-docs'), simulator);
  running.push(sender);
  apps.sender = sender;
}, 180_000);

describe.each(['ingest', 'scheduler', 'sender'] as Service[])('%s and its OpenAPI document', (service) => {
  const doc = documentOf(service);

  it('documents every route the app registers, and documents no route it does not', () => {
    const registered = appRoutes(apps[service]!.app);
    const documented = documentedRoutes(doc);
    // A new route: describe it in apps/<service>/src/api-document.ts, then `npm run contracts:openapi`.
    expect({
      registeredButNotDocumented: registered.filter((r) => !documented.includes(r)),
      documentedButNotRegistered: documented.filter((r) => !registered.includes(r)),
    }).toEqual({ registeredButNotDocumented: [], documentedButNotRegistered: [] });
    expect(registered.length).toBeGreaterThanOrEqual(8); // the 7 shared routes and its own
  });

  it('serves the committed document at /openapi.json, without an API key', async () => {
    const response = await fetch(`${apps[service]!.url}/openapi.json`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await response.json()).toEqual(doc);
  });

  it('serves /docs: Swagger UI from its own files, no inline script, under a strict CSP', async () => {
    const { url } = apps[service]!;
    const page = await fetch(`${url}/docs`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    const csp = page.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("default-src 'none'");
    expect(csp).not.toMatch(/script-src[^;]*(unsafe-inline|unsafe-eval|https?:)/);
    const html = await page.text();
    expect(html).toContain(`<title>${doc.info.title}</title>`);
    const scripts = [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)];
    expect(scripts.length).toBeGreaterThan(0);
    for (const [, attributes, body] of scripts) {
      expect(attributes).toMatch(/src="docs\//);
      expect(body.trim()).toBe('');
    }
    // Every file the page loads is the service's own (relative to /docs) and answers.
    const loaded = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]);
    expect(loaded.every((l) => l.startsWith('docs/'))).toBe(true);
    for (const file of loaded) {
      const asset = await fetch(new URL(file, `${url}/docs`));
      expect({ file, status: asset.status }).toEqual({ file, status: 200 });
      const body = Buffer.from(await asset.arrayBuffer());
      expect(body.length).toBeGreaterThan(file.endsWith('docs-init.js') ? 20 : 500);
      if (file.endsWith('docs-init.js')) expect(body.toString()).toContain("url: 'openapi.json'");
      if (file.endsWith('swagger-ui-bundle.js')) expect(body.toString('utf8', 0, 4000)).toMatch(/SwaggerUIBundle/);
    }
    expect((await fetch(`${url}/docs/index.html`)).status).toBe(404);
    expect((await fetch(`${url}/docs/..%2Fpackage.json`)).status).toBe(404);
  });
});

describe('real answers have the documented shape', () => {
  it('health, readiness, metrics, an unknown docs asset', async () => {
    for (const service of ['ingest', 'scheduler', 'sender'] as Service[]) {
      const check = answerChecker(documentOf(service));
      const { url } = apps[service]!;
      for (const path of ['/health', '/health/ready', '/health/live', '/metrics']) {
        const result = await check(path, 'GET', await fetch(`${url}${path}`));
        expect({ service, path, ok: result.ok, errors: result.errors }).toEqual({
          service,
          path,
          ok: true,
          errors: null,
        });
      }
      const missing = await check('/docs/{asset}', 'GET', await fetch(`${url}/docs/nothing.js`));
      expect({ service, status: missing.status, ok: missing.ok }).toEqual({ service, status: 404, ok: true });
    }
  });

  it("ingest: the API key refusal, a cart-events answer, the store admin's 404 and 422", async () => {
    const check = answerChecker(documentOf('ingest'));
    const { url } = apps.ingest!;
    const auth = { authorization: `Bearer ${TEST_API_KEY}`, 'content-type': 'application/json' };
    const refused = await check(
      '/v1/cart-events',
      'POST',
      await fetch(`${url}/v1/cart-events`, { method: 'POST', body: '{}' }),
    );
    expect(refused).toMatchObject({ status: 401, ok: true });
    const rejected = await check(
      '/v1/cart-events',
      'POST',
      await fetch(`${url}/v1/cart-events`, {
        method: 'POST',
        headers: auth,
        body: JSON.stringify({ schemaVersion: 1 }),
      }),
    );
    expect(rejected).toMatchObject({ status: 422, ok: true, body: { accepted: 0, rejected: 1 } });
    const tooMany = await check(
      '/v1/cart-events',
      'POST',
      await fetch(`${url}/v1/cart-events`, { method: 'POST', headers: auth, body: JSON.stringify([]) }),
    );
    expect(tooMany).toMatchObject({ status: 400, ok: true });
    const unknown = await check(
      '/v1/stores/{storeId}',
      'GET',
      await fetch(`${url}/v1/stores/no-such-store`, { headers: auth }),
    );
    expect(unknown).toMatchObject({ status: 404, ok: true });
    const invalid = await check(
      '/v1/stores/{storeId}',
      'PUT',
      await fetch(`${url}/v1/stores/api-docs-store`, {
        method: 'PUT',
        headers: auth,
        body: JSON.stringify({ name: '' }),
      }),
    );
    expect(invalid).toMatchObject({ status: 422, ok: true });
    const noPreviewTime = await check(
      '/v1/stores/{storeId}/send-preview',
      'GET',
      await fetch(`${url}/v1/stores/api-docs-store/send-preview`, { headers: auth }),
    );
    expect(noPreviewTime).toMatchObject({ status: 400, ok: true });
    const unsigned = await check(
      '/v1/webhooks/{platform}/{storeId}',
      'POST',
      await fetch(`${url}/v1/webhooks/shopify/api-docs-store`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-shopify-topic': 'checkouts/update' },
        body: '{"token":"c1"}',
      }),
    );
    expect(unsigned).toMatchObject({ status: 401, ok: true });
  });

  it('scheduler: stats of a store with no carts, a bad window, no key', async () => {
    const check = answerChecker(documentOf('scheduler'));
    const { url } = apps.scheduler!;
    const path = '/v1/stores/{storeId}/stats';
    const headers = { authorization: `Bearer ${API_KEY}` };
    const stats = await check(path, 'GET', await fetch(`${url}/v1/stores/api-docs-store/stats`, { headers }));
    expect(stats).toMatchObject({ status: 200, ok: true, body: { storeId: 'api-docs-store', abandoned: 0 } });
    const window = await check(
      path,
      'GET',
      await fetch(`${url}/v1/stores/s/stats?from=2026-12-01&to=2026-11-01`, { headers }),
    );
    expect(window).toMatchObject({ status: 400, ok: true });
    expect(await check(path, 'GET', await fetch(`${url}/v1/stores/s/stats`))).toMatchObject({ status: 401, ok: true });
  });

  it('sender: the verification handshake, refused and accepted; an unsigned notification', async () => {
    const check = answerChecker(documentOf('sender'));
    const { url } = apps.sender!;
    const path = '/v1/webhooks/whatsapp';
    const ok = await check(
      path,
      'GET',
      await fetch(`${url}${path}?hub.mode=subscribe&hub.verify_token=${VERIFY_TOKEN}&hub.challenge=1158201444`),
    );
    expect(ok).toMatchObject({ status: 200, ok: true, body: '1158201444' });
    const refused = await check(
      path,
      'GET',
      await fetch(`${url}${path}?hub.mode=subscribe&hub.verify_token=wrong&hub.challenge=1`),
    );
    expect(refused).toMatchObject({ status: 403, ok: true });
    const unsigned = await check(
      path,
      'POST',
      await fetch(`${url}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"entry":[]}',
      }),
    );
    expect(unsigned).toMatchObject({ status: 401, ok: true });
  });

  it('ingest: the documented store written, read and previewed, a cart event accepted, the console with its token', async () => {
    const check = answerChecker(documentOf('ingest'));
    const { url } = apps.ingest!;
    const auth = { authorization: `Bearer ${TEST_API_KEY}`, 'content-type': 'application/json' };
    const store = '/v1/stores/{storeId}';
    const call = async (path: string, method: string, at: string, headers: Record<string, string>, body?: unknown) =>
      check(
        path,
        method,
        await fetch(`${url}${at}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) }),
      );
    // The document's own example is settings the admin API takes.
    expect(await call(store, 'PUT', '/v1/stores/api-docs-lola', auth, EXAMPLE_STORE_SETTINGS)).toMatchObject({
      status: 201,
      ok: true,
    });
    expect(await call(store, 'PUT', '/v1/stores/api-docs-lola', auth, EXAMPLE_STORE_SETTINGS)).toMatchObject({
      status: 200,
      ok: true,
    });
    const shown = await call(store, 'GET', '/v1/stores/api-docs-lola', auth);
    expect(shown).toMatchObject({
      status: 200,
      ok: true,
      body: { whatsapp: { accessTokenSet: true }, shopify: { webhookSecretSet: true } },
    });
    const preview = await call(
      `${store}/send-preview`,
      'GET',
      '/v1/stores/api-docs-lola/send-preview?detectedAt=2026-11-24T19:33:12Z',
      auth,
    );
    expect(preview).toMatchObject({ status: 200, ok: true, body: { outcome: 'send' } });
    const event = {
      schemaVersion: 1,
      eventId: 'evt-api-docs-1',
      type: 'cart.updated',
      occurredAt: new Date().toISOString(),
      storeId: 'api-docs-lola',
      cartId: 'c_1',
      customer: { phone: '+34 600 00 00 00', whatsappOptIn: true },
      items: [{ sku: 'SKU-1', title: 'Zapatillas Lola', quantity: 1, unitPrice: '59.90' }],
      currency: 'EUR',
      total: '59.90',
    };
    const accepted = await call('/v1/cart-events', 'POST', '/v1/cart-events', auth, [
      event,
      { ...event, total: '59,90' },
    ]);
    expect(accepted).toMatchObject({ status: 200, ok: true, body: { accepted: 1, rejected: 1 } });

    const minted = await call(
      '/v1/stores/{storeId}/console-tokens',
      'POST',
      '/v1/stores/api-docs-lola/console-tokens',
      auth,
      { locale: 'es' },
    );
    expect(minted).toMatchObject({ status: 201, ok: true });
    const consoleAuth = {
      authorization: `Bearer ${(minted.body as { token: string }).token}`,
      'content-type': 'application/json',
    };
    const api = '/console/api/stores/{storeId}';
    const at = '/console/api/stores/api-docs-lola';
    expect(await call(`${api}/settings`, 'GET', `${at}/settings`, consoleAuth)).toMatchObject({
      status: 200,
      ok: true,
    });
    const samples = await call(`${api}/message-preview`, 'POST', `${at}/message-preview`, consoleAuth, {
      language: 'es',
    });
    expect(samples).toMatchObject({ status: 200, ok: true, body: { mode: 'template' } });
    const consolePreview = await call(`${api}/send-preview`, 'POST', `${at}/send-preview`, consoleAuth, {
      detectedAt: '2026-11-24T19:33:12Z',
      changes: { closedDates: [] },
    });
    expect(consolePreview).toMatchObject({ status: 200, ok: true });
    expect(await call(`${api}/settings`, 'PUT', `${at}/settings`, consoleAuth, { name: 'x' })).toMatchObject({
      status: 422,
      ok: true,
    });
    expect(await call(`${api}/settings`, 'GET', '/console/api/stores/other/settings', consoleAuth)).toMatchObject({
      status: 403,
      ok: true,
    });
    expect(await call(`${api}/settings`, 'GET', `${at}/settings`, {})).toMatchObject({ status: 401, ok: true });
    expect(
      await call(store, 'DELETE', '/v1/stores/api-docs-lola', { authorization: auth.authorization }),
    ).toMatchObject({
      status: 204,
      ok: true,
    });
  });
});
