import { request } from 'undici';

/** The smallest Graph API client: what the simulator's tests use to play the sender. */

export interface GraphAnswer {
  status: number;
  body: Record<string, unknown>;
  headers: Record<string, string | string[] | undefined>;
}

export async function postMessage(
  baseUrl: string,
  phoneNumberId: string,
  token: string | undefined,
  body: unknown,
  options: { endpoint?: 'messages' | 'marketing_messages'; version?: string; signal?: AbortSignal } = {},
): Promise<GraphAnswer> {
  const path = `/${options.version ?? 'v23.0'}/${phoneNumberId}/${options.endpoint ?? 'messages'}`;
  const response = await request(`${baseUrl}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: typeof body === 'string' ? body : JSON.stringify(body),
    signal: options.signal,
  });
  return {
    status: response.statusCode,
    body: (await response.body.json()) as Record<string, unknown>,
    headers: response.headers,
  };
}

/** A cart-reminder template send, as the sender will build it. */
export function cartReminder(to: string, sendId: string, firstName = 'Ana'): Record<string, unknown> {
  return {
    messaging_product: 'whatsapp',
    recipient_type: 'individual',
    to,
    type: 'template',
    template: {
      name: 'cart_reminder',
      language: { code: 'es' },
      components: [
        {
          type: 'body',
          parameters: [
            { type: 'text', text: firstName },
            { type: 'text', text: 'Zapatería Lola' },
            { type: 'text', text: 'Zapatillas Lola x1' },
          ],
        },
        { type: 'button', sub_type: 'url', index: '0', parameters: [{ type: 'text', text: '8812' }] },
      ],
    },
    biz_opaque_callback_data: sendId,
  };
}
