import { cartReminder, postMessage } from './graph-client';
import { startWhatsAppSimulator, type WhatsAppSimulator } from './index';

const PHONE = '106540352242922';
const OTHER_PHONE = '106540352240000';
const TOKEN = 'store-token';

/** The reminder as `/marketing_messages` takes it: Meta's closed body has no biz_opaque_callback_data. */
function marketingReminder(to: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const { biz_opaque_callback_data: _callback, ...body } = cartReminder(to, 'unused');
  return { ...body, ...extra };
}

describe('WhatsApp simulator: Graph API send endpoints', () => {
  let sim: WhatsAppSimulator;

  beforeAll(async () => {
    sim = await startWhatsAppSimulator({
      tokens: { [PHONE]: TOKEN, [OTHER_PHONE]: 'other-token' },
      limits: { pairRate: false },
    });
  });
  afterAll(() => sim.close());
  beforeEach(() => sim.reset());

  it('accepts a cart-reminder template with the real success shape and records it', async () => {
    const answer = await postMessage(sim.url, PHONE, TOKEN, cartReminder('+34 600 111 222', 'send-1'));

    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({
      messaging_product: 'whatsapp',
      contacts: [{ input: '+34 600 111 222', wa_id: '34600111222' }],
      messages: [{ id: expect.stringMatching(/^wamid\.[A-Za-z0-9+/=]{20,}$/), message_status: 'accepted' }],
    });
    const wamid = (answer.body.messages as Array<{ id: string }>)[0].id;
    expect(sim.record.messages).toEqual([
      expect.objectContaining({
        wamid,
        phoneNumberId: PHONE,
        endpoint: 'messages',
        waId: '34600111222',
        type: 'template',
        templateName: 'cart_reminder',
        language: 'es',
        bizOpaqueCallbackData: 'send-1',
        category: 'marketing',
      }),
    ]);
    expect(sim.record.attempts).toEqual([
      expect.objectContaining({ outcome: 'accepted', httpStatus: 200, wamid, path: `/v23.0/${PHONE}/messages` }),
    ]);
  });

  it('accepts the template on marketing_messages (without callback data) and a text message on messages', async () => {
    const marketing = await postMessage(sim.url, PHONE, TOKEN, marketingReminder('34600111222'), {
      endpoint: 'marketing_messages',
    });
    const text = await postMessage(sim.url, PHONE, TOKEN, {
      messaging_product: 'whatsapp',
      to: '34600111333',
      type: 'text',
      text: { preview_url: true, body: 'Hola Ana, tu carrito te espera: https://shop.example/c/8812' },
      biz_opaque_callback_data: 's-3',
    });
    expect([marketing.status, text.status]).toEqual([200, 200]);
    expect(sim.record.messages.map((m) => [m.endpoint, m.type, m.category])).toEqual([
      ['marketing_messages', 'template', 'marketing'],
      ['messages', 'text', 'service'],
    ]);
    expect(sim.record.messages[1].text).toContain('tu carrito');
  });

  it('gives every accepted message its own wamid', async () => {
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        postMessage(sim.url, PHONE, TOKEN, cartReminder(`3460011${1000 + i}`, `s${i}`)),
      ),
    );
    const ids = answers.map((a) => (a.body.messages as Array<{ id: string }>)[0].id);
    expect(new Set(ids).size).toBe(20);
  });

  describe('access token', () => {
    it.each([
      ['no Authorization header', undefined, 104, 401],
      ['an unknown token', 'nope', 190, 401],
      ['a token of another phone number id', 'other-token', 100, 400],
    ])('refuses %s', async (_case, token, code, status) => {
      const answer = await postMessage(sim.url, PHONE, token, cartReminder('34600111222', 's'));
      expect(answer.status).toBe(status);
      expect(answer.body).toEqual({
        error: expect.objectContaining({ type: 'OAuthException', code, fbtrace_id: expect.any(String) }),
      });
      expect(sim.record.messages).toHaveLength(0);
    });

    it('answers 190 in Meta error shape with a WWW-Authenticate header', async () => {
      const answer = await postMessage(sim.url, PHONE, 'nope', cartReminder('34600111222', 's'));
      expect(answer.body).toEqual({
        error: {
          message: 'Invalid OAuth access token - Cannot parse access token',
          type: 'OAuthException',
          code: 190,
          fbtrace_id: expect.stringMatching(/^[\w-]{10,}$/),
        },
      });
      expect(answer.headers['www-authenticate']).toContain('invalid_token');
    });

    it('accepts a `*` token for any phone number id', async () => {
      const platform = await startWhatsAppSimulator({ tokens: { '*': 'platform-token' } });
      try {
        const answer = await postMessage(platform.url, '999000111', 'platform-token', cartReminder('34600111222', 's'));
        expect(answer.status).toBe(200);
      } finally {
        await platform.close();
      }
    });
  });

  describe('request body', () => {
    const valid = cartReminder('34600111222', 'send-1');
    const template = valid.template as Record<string, unknown>;
    const components = template.components as Array<Record<string, unknown>>;
    const withBody = (changes: Record<string, unknown>) => ({ ...valid, ...changes });
    const withTemplate = (changes: Record<string, unknown>) => withBody({ template: { ...template, ...changes } });
    const withBodyParameter = (text: unknown) =>
      withTemplate({ components: [{ type: 'body', parameters: [{ type: 'text', text }] }, components[1]] });

    it.each<[string, unknown, number, RegExp]>([
      ['not JSON', '{"messaging_product":', 100, /JSON object/],
      ['no messaging_product', withBody({ messaging_product: undefined }), 100, /messaging_product is required/],
      ['another messaging_product', withBody({ messaging_product: 'sms' }), 100, /messaging_product/],
      ['no to', withBody({ to: undefined }), 100, /to is required/],
      ['a to that is no phone number', withBody({ to: 'ana@example.com' }), 100, /not a valid phone number/],
      ['an unsupported type', withBody({ type: 'image', image: { link: 'https://x' } }), 100, /not simulated/],
      ['an unknown type', withBody({ type: 'fax' }), 100, /type must be one of/],
      ['a template without name', withTemplate({ name: undefined }), 100, /template\['name'\] is required/],
      ['a template without language', withTemplate({ language: undefined }), 100, /template\['language'\] is required/],
      ['a malformed language code', withTemplate({ language: { code: 'Spanish' } }), 100, /language code/],
      ['a text parameter without text', withBodyParameter(''), 131008, /missing text value/],
      ['a text parameter with a new line', withBodyParameter('Zapatillas\nCalcetines'), 132018, /new-line/],
      ['a text parameter with 5 spaces', withBodyParameter('a     b'), 132018, /consecutive spaces/],
      ['a body parameter over 1,024 characters', withBodyParameter('x'.repeat(1025)), 131009, /1024/],
      [
        'a button without sub_type',
        withTemplate({ components: [components[0], { type: 'button', index: '0', parameters: [] }] }),
        131008,
        /sub_type/,
      ],
      ['callback data over 512 characters', withBody({ biz_opaque_callback_data: 'x'.repeat(513) }), 100, /512/],
      [
        'a text message without body',
        { messaging_product: 'whatsapp', to: '34600111222', type: 'text', text: {} },
        100,
        /text\['body'\] is required/,
      ],
    ])('refuses %s', async (_case, body, code, details) => {
      const answer = await postMessage(sim.url, PHONE, TOKEN, body);
      expect(answer.status).toBe(400);
      const error = answer.body.error as Record<string, unknown>;
      expect(error).toEqual({
        message: expect.stringContaining(`#${code}`),
        type: 'OAuthException',
        code,
        error_data: { messaging_product: 'whatsapp', details: expect.any(String) },
        fbtrace_id: expect.any(String),
      });
      expect(`${error.message} ${(error.error_data as { details: string }).details}`).toMatch(details);
      expect(sim.record.messages).toHaveLength(0);
      expect(sim.record.attempts[0]).toEqual(expect.objectContaining({ outcome: 'refused', errorCode: code }));
    });

    it('accepts a body parameter of 1,025 characters when the body is the only component', async () => {
      const answer = await postMessage(
        sim.url,
        PHONE,
        TOKEN,
        withTemplate({ components: [{ type: 'body', parameters: [{ type: 'text', text: 'x'.repeat(1025) }] }] }),
      );
      expect(answer.status).toBe(200);
    });

    it('keeps exactly 512 characters of callback data', async () => {
      const answer = await postMessage(sim.url, PHONE, TOKEN, withBody({ biz_opaque_callback_data: 'x'.repeat(512) }));
      expect(answer.status).toBe(200);
      expect(sim.record.messages[0].bizOpaqueCallbackData).toHaveLength(512);
    });

    it('refuses a text message on marketing_messages', async () => {
      const answer = await postMessage(
        sim.url,
        PHONE,
        TOKEN,
        { messaging_product: 'whatsapp', to: '34600111222', type: 'text', text: { body: 'hola' } },
        { endpoint: 'marketing_messages' },
      );
      expect(answer.status).toBe(400);
      expect((answer.body.error as { code: number }).code).toBe(100);
    });
  });

  describe('with approved templates', () => {
    beforeAll(() =>
      sim.updateSettings({
        templates: [
          { name: 'cart_reminder', language: 'es', category: 'MARKETING', bodyParameters: 3, urlButtons: ['0'] },
          { name: 'order_update', language: 'es', category: 'UTILITY', bodyParameters: 1 },
          { name: 'old_promo', language: 'es', category: 'MARKETING', bodyParameters: 0, status: 'PAUSED' },
        ],
      }),
    );
    afterAll(() => sim.updateSettings({ templates: null }));

    const reminder = marketingReminder('34600111222');
    const template = reminder.template as Record<string, unknown>;
    const codeOf = async (body: unknown, endpoint: 'messages' | 'marketing_messages' = 'messages') =>
      ((await postMessage(sim.url, PHONE, TOKEN, body, { endpoint })).body.error as { code: number } | undefined)?.code;

    it('accepts a send that matches its template', async () => {
      expect(await codeOf(reminder, 'marketing_messages')).toBeUndefined();
    });

    it('refuses an unknown template or language with 132001', async () => {
      expect(await codeOf({ ...reminder, template: { ...template, name: 'cart_reminder_v2' } })).toBe(132001);
      expect(await codeOf({ ...reminder, template: { ...template, language: { code: 'en' } } })).toBe(132001);
    });

    it('refuses a wrong number of body parameters with 132000', async () => {
      const components = template.components as Array<Record<string, unknown>>;
      const twoParameters = { type: 'body', parameters: (components[0].parameters as unknown[]).slice(0, 2) };
      expect(await codeOf({ ...reminder, template: { ...template, components: [twoParameters, components[1]] } })).toBe(
        132000,
      );
    });

    it('refuses a paused template with 132015', async () => {
      expect(
        await codeOf({ ...reminder, template: { name: 'old_promo', language: { code: 'es' } } }, 'marketing_messages'),
      ).toBe(132015);
    });

    it('refuses a utility template on marketing_messages and reports its category in webhooks', async () => {
      const update = {
        ...reminder,
        template: {
          name: 'order_update',
          language: { code: 'es' },
          components: [{ type: 'body', parameters: [{ type: 'text', text: 'Ana' }] }],
        },
      };
      expect(await codeOf(update, 'marketing_messages')).toBe(100);
      expect(await codeOf(update, 'messages')).toBeUndefined();
      expect(sim.record.messages.at(-1)?.category).toBe('utility');
    });
  });

  describe("marketing_messages: the closed body of Meta's MarketingMessageRequestPayload", () => {
    const refusal = async (body: unknown) => {
      const answer = await postMessage(sim.url, PHONE, TOKEN, body, { endpoint: 'marketing_messages' });
      return { status: answer.status, error: answer.body.error as Record<string, unknown> | undefined };
    };

    it("takes exactly Meta's documented fields: product policy and activity sharing", async () => {
      const body = marketingReminder('34600111222', { product_policy: 'STRICT', message_activity_sharing: false });
      const answer = await postMessage(sim.url, PHONE, TOKEN, body, { endpoint: 'marketing_messages' });
      expect(answer.status).toBe(200);
      expect(sim.record.messages[0]).toMatchObject({
        endpoint: 'marketing_messages',
        bizOpaqueCallbackData: undefined,
      });
      expect(Object.keys(sim.record.messages[0].body as object).sort()).toEqual(
        [
          'messaging_product',
          'recipient_type',
          'to',
          'type',
          'template',
          'product_policy',
          'message_activity_sharing',
        ].sort(),
      );
    });

    it("refuses a key outside the schema, biz_opaque_callback_data included, in Meta's error shape", async () => {
      const { status, error } = await refusal(cartReminder('34600111222', 'send-1'));
      expect(status).toBe(400);
      expect(error).toEqual({
        message: '(#100) Param biz_opaque_callback_data is not a valid parameter.',
        type: 'OAuthException',
        code: 100,
        error_data: { messaging_product: 'whatsapp', details: expect.stringContaining('Unexpected key') },
        fbtrace_id: expect.any(String),
      });
      expect((await refusal(marketingReminder('34600111222', { ttl_seconds: 600 }))).error?.code).toBe(100);
      // The same body is fine on /messages.
      expect((await postMessage(sim.url, PHONE, TOKEN, cartReminder('34600111222', 's'))).status).toBe(200);
      expect(sim.record.messages.map((m) => m.endpoint)).toEqual(['messages']);
    });

    it('refuses a time-to-live in the body (Meta takes it on the template) like any key outside the schema', async () => {
      for (const ttl of [43_200, 2_592_000]) {
        const { status, error } = await refusal(marketingReminder('34600111222', { message_send_ttl_seconds: ttl }));
        expect(status).toBe(400);
        expect(error).toEqual({
          message: '(#100) Param message_send_ttl_seconds is not a valid parameter.',
          type: 'OAuthException',
          code: 100,
          error_data: { messaging_product: 'whatsapp', details: expect.stringContaining('Unexpected key') },
          fbtrace_id: expect.any(String),
        });
      }
      expect(sim.record.messages).toHaveLength(0);
    });

    it('refuses a bad policy and a missing recipient_type', async () => {
      expect((await refusal(marketingReminder('34600111222', { product_policy: 'LOOSE' }))).error?.code).toBe(100);
      const { recipient_type: _r, ...noType } = marketingReminder('34600111222');
      expect((await refusal(noType)).error?.code).toBe(100);
      expect(sim.record.messages).toHaveLength(0);
    });

    it('answers 131055 to a STRICT send of a business without the terms; without STRICT Meta falls back', async () => {
      sim.updateSettings({ marketingTermsNotAccepted: [PHONE] });
      try {
        const strict = await refusal(marketingReminder('34600111222', { product_policy: 'STRICT' }));
        expect(strict).toMatchObject({ status: 400, error: { code: 131055 } });
        expect(String(strict.error?.message)).toContain('(#131055)');
        const fallback = await refusal(marketingReminder('34600111223'));
        expect(fallback.status).toBe(200);
        const other = await postMessage(
          sim.url,
          OTHER_PHONE,
          'other-token',
          marketingReminder('34600111224', { product_policy: 'STRICT' }),
          {
            endpoint: 'marketing_messages',
          },
        );
        expect(other.status).toBe(200);
        expect((await postMessage(sim.url, PHONE, TOKEN, cartReminder('34600111225', 's'))).status).toBe(200);
      } finally {
        sim.updateSettings({ marketingTermsNotAccepted: [] });
      }
    });
  });

  it('serves Graph v23.0 to v26.0, an expired version as the oldest, and no version from the future', async () => {
    for (const version of ['v23.0', 'v24.0', 'v25.0', 'v26.0']) {
      const answer = await postMessage(sim.url, PHONE, TOKEN, cartReminder('34600111222', version), { version });
      expect([answer.status, answer.headers['facebook-api-version']]).toEqual([200, version]);
    }
    const old = await postMessage(sim.url, PHONE, TOKEN, cartReminder('34600111223', 'old'), { version: 'v21.0' });
    expect([old.status, old.headers['facebook-api-version']]).toEqual([200, 'v23.0']);
    const future = await postMessage(sim.url, PHONE, TOKEN, cartReminder('34600111224', 'new'), { version: 'v27.0' });
    expect([future.status, (future.body.error as { code: number }).code]).toEqual([400, 2500]);
  });

  it('answers unknown Graph paths with 2500 and never records them', async () => {
    const answer = await postMessage(sim.url, PHONE, TOKEN, {}, { version: 'latest' });
    expect(answer.status).toBe(400);
    expect((answer.body.error as { code: number }).code).toBe(2500);
    expect(sim.record.attempts).toHaveLength(0);
  });
});
