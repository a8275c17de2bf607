import { endpointFor, graphMessageBody, graphRecipient, sendPath, type TemplateMessage } from './messages';

const reminder: TemplateMessage = {
  type: 'template',
  name: 'cart_reminder',
  languageCode: 'es',
  bodyParameters: ['Ana', 'Zapatería Lola', 'Zapatillas Lola x1'],
  urlButtonParameter: '8812',
};

describe('Graph API wire format', () => {
  it('writes a template message exactly as the Cloud API documents it', () => {
    expect(graphMessageBody('+34 600 111 222', reminder, 'send-1')).toEqual({
      messaging_product: 'whatsapp',
      recipient_type: 'individual',
      to: '34600111222',
      type: 'template',
      template: {
        name: 'cart_reminder',
        language: { code: 'es' },
        components: [
          {
            type: 'body',
            parameters: [
              { type: 'text', text: 'Ana' },
              { type: 'text', text: 'Zapatería Lola' },
              { type: 'text', text: 'Zapatillas Lola x1' },
            ],
          },
          { type: 'button', sub_type: 'url', index: '0', parameters: [{ type: 'text', text: '8812' }] },
        ],
      },
      biz_opaque_callback_data: 'send-1',
    });
  });

  it('leaves out empty components and writes another button index as a string', () => {
    const body = graphMessageBody('34600111222', { ...reminder, bodyParameters: [], urlButtonIndex: 1 }, 's') as {
      template: { components: unknown[] };
    };
    expect(body.template.components).toEqual([
      { type: 'button', sub_type: 'url', index: '1', parameters: [{ type: 'text', text: '8812' }] },
    ]);
    const bare = graphMessageBody(
      '34600111222',
      { ...reminder, urlButtonParameter: undefined, bodyParameters: [] },
      's',
    );
    expect(bare).toMatchObject({ template: { components: [] } });
  });

  it('writes a text message with a link preview unless turned off', () => {
    expect(graphMessageBody('+34600111222', { type: 'text', body: 'Hola https://x.example' }, 'send-2')).toEqual({
      messaging_product: 'whatsapp',
      recipient_type: 'individual',
      to: '34600111222',
      type: 'text',
      text: { preview_url: true, body: 'Hola https://x.example' },
      biz_opaque_callback_data: 'send-2',
    });
    expect(graphMessageBody('34600111222', { type: 'text', body: 'x', previewUrl: false }, 's')).toMatchObject({
      text: { preview_url: false },
    });
  });

  it("writes a marketing_messages body with only Meta's keys of that route: no callback data, no TTL", () => {
    const marketing = { ...reminder, category: 'MARKETING' as const };
    const body = graphMessageBody('+34600111222', marketing, 'send-1', { productPolicy: 'STRICT' });
    expect(Object.keys(body).sort()).toEqual(
      ['messaging_product', 'recipient_type', 'to', 'type', 'template', 'product_policy'].sort(),
    );
    expect(body).toMatchObject({ product_policy: 'STRICT', to: '34600111222' });
    // The time-to-live belongs to the template (POST /<WABA_ID>/message_templates), never to a send.
    expect(body).not.toHaveProperty('message_send_ttl_seconds');
    // Without STRICT: Meta's default policy, the key left out.
    expect(Object.keys(graphMessageBody('34600111222', marketing, 's')).sort()).toEqual(
      ['messaging_product', 'recipient_type', 'to', 'type', 'template'].sort(),
    );
    // Falling back to /messages: the body of /messages, callback data and no TTL either.
    const fallback = graphMessageBody('34600111222', { ...marketing, fallbackToMessages: true }, 's', {
      productPolicy: 'STRICT',
    });
    expect(fallback).toMatchObject({ biz_opaque_callback_data: 's' });
    expect(fallback).not.toHaveProperty('message_send_ttl_seconds');
    expect(fallback).not.toHaveProperty('product_policy');
    expect(endpointFor({ ...marketing, fallbackToMessages: true })).toBe('messages');
  });

  it('routes MARKETING templates to marketing_messages, everything else to messages', () => {
    expect(endpointFor({ ...reminder, category: 'MARKETING' })).toBe('marketing_messages');
    expect(endpointFor({ ...reminder, category: 'UTILITY' })).toBe('messages');
    expect(endpointFor(reminder)).toBe('messages');
    expect(endpointFor({ type: 'text', body: 'x' })).toBe('messages');
  });

  it('builds the path below the base URL path, version and phone number id escaped', () => {
    expect(sendPath('/', 'v23.0', '106540352242922', reminder)).toBe('/v23.0/106540352242922/messages');
    expect(sendPath('/graph/', 'v23.0', '1', { ...reminder, category: 'MARKETING' })).toBe(
      '/graph/v23.0/1/marketing_messages',
    );
    expect(sendPath('', 'v23.0', '../x', reminder)).toBe('/v23.0/..%2Fx/messages');
  });

  it('sends the recipient as digits', () => {
    expect(graphRecipient('+1 (415) 555-0100')).toBe('14155550100');
  });
});
