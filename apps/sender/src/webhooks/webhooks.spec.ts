import { createHmac } from 'node:crypto';
import { normalizeReply, optOutMatcher } from './opt-out-keywords';
import { readWebhook } from './webhook-payload';
import { hasValidSignature } from './webhook-signature';

describe('webhook signature', () => {
  const body = Buffer.from('{"object":"whatsapp_business_account","entry":[]}');
  const sign = (b: Buffer, secret: string) => `sha256=${createHmac('sha256', secret).update(b).digest('hex')}`;

  it('accepts the HMAC of the raw bytes with the app secret only', () => {
    expect(hasValidSignature(body, sign(body, 'app-secret'), 'app-secret')).toBe(true);
    expect(hasValidSignature(body, sign(body, 'other'), 'app-secret')).toBe(false);
    expect(hasValidSignature(Buffer.from(`${body} `), sign(body, 'app-secret'), 'app-secret')).toBe(false);
    expect(hasValidSignature(body, undefined, 'app-secret')).toBe(false);
    expect(hasValidSignature(body, 'sha256=abc', 'app-secret')).toBe(false);
    expect(hasValidSignature(body, sign(body, 'app-secret').replace('sha256=', 'sha1='), 'app-secret')).toBe(false);
  });
});

describe('opt-out keywords', () => {
  const isOptOut = optOutMatcher(['STOP', 'BAJA', 'PARAR', 'CANCELAR', 'UNSUBSCRIBE']);

  it('match whole replies whatever the case, accents, spaces and punctuation', () => {
    for (const reply of [
      'STOP',
      'stop',
      ' Stop! ',
      'baja',
      'Bája.',
      'PÁRAR',
      'cancelar',
      '¡Cancelar!',
      'Unsubscribe',
    ]) {
      expect(isOptOut(reply)).toBe(true);
    }
  });

  it('do not match a sentence that merely contains one, nor other words', () => {
    for (const reply of ['no pares', 'stop what?', 'Gracias', '', 'bajamos precios'])
      expect(isOptOut(reply)).toBe(false);
  });

  it('are configurable, compared the same way', () => {
    const custom = optOutMatcher(['Désabonner']);
    expect(custom('DESABONNER')).toBe(true);
    expect(custom('stop')).toBe(false);
    expect(normalizeReply('  Ça  va ')).toBe('CA VA');
  });
});

describe('reading a webhook', () => {
  it('finds statuses with the echoed sendId and text or button replies', () => {
    const payload = {
      object: 'whatsapp_business_account',
      entry: [
        {
          id: 'WABA',
          changes: [
            {
              field: 'messages',
              value: {
                metadata: { display_phone_number: '34910000000', phone_number_id: '106540352242922' },
                statuses: [
                  { id: 'wamid.A', status: 'read', timestamp: '1732471201', biz_opaque_callback_data: 'send-1' },
                  { id: 'wamid.B', status: 'failed', timestamp: '1732471202', errors: [{ code: 131026 }] },
                  { id: 'wamid.C', status: 'deleted', timestamp: '1732471202' },
                ],
                messages: [
                  {
                    from: '34600111222',
                    id: 'wamid.in',
                    timestamp: '1732471300',
                    type: 'text',
                    text: { body: 'BAJA' },
                  },
                  {
                    from: '34600111333',
                    id: 'wamid.in2',
                    timestamp: '1732471300',
                    type: 'button',
                    button: { text: 'Stop', payload: 'STOP' },
                  },
                  { from: '34600111444', id: 'wamid.in3', timestamp: '1732471300', type: 'image' },
                ],
              },
            },
          ],
        },
      ],
    };
    const { statuses, replies } = readWebhook(payload);
    expect(statuses).toEqual([
      { wamid: 'wamid.A', status: 'read', at: '2024-11-24T18:00:01.000Z', sendId: 'send-1' },
      { wamid: 'wamid.B', status: 'failed', at: '2024-11-24T18:00:02.000Z', sendId: undefined, errorCode: 131026 },
    ]);
    expect(replies).toEqual([
      { phoneNumberId: '106540352242922', phone: '+34600111222', text: 'BAJA', at: '2024-11-24T18:01:40.000Z' },
      { phoneNumberId: '106540352242922', phone: '+34600111333', text: 'Stop', at: '2024-11-24T18:01:40.000Z' },
    ]);
  });

  it('yields nothing for shapes it cannot read', () => {
    for (const p of [null, {}, { entry: 'x' }, { entry: [{ changes: [{ field: 'account_update', value: {} }] }] }]) {
      expect(readWebhook(p)).toEqual({ statuses: [], replies: [] });
    }
  });
});
