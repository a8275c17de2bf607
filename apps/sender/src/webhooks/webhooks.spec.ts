import { createHmac } from 'node:crypto';
import type { HistoryEntry } from '../send-due/message.repository';
import { normalizeReply, optOutMatcher } from './opt-out-keywords';
import { applyStatus, MessageStatusView } from './status-transition';
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

describe('status updates', () => {
  const at = (s: number) => new Date(1_764_000_000_000 + s * 1000).toISOString();
  const sending: MessageStatusView = {
    state: 'sending',
    wamid: null,
    errorCode: null,
    history: [{ status: 'sending', at: at(0) }],
  };
  const run = (m: MessageStatusView, ...statuses: Array<'sent' | 'delivered' | 'read' | 'failed'>) =>
    statuses.reduce((acc, status, i) => applyStatus(acc, { status, at: at(i + 1), wamid: 'wamid.1' }).next, m);
  const names = (h: HistoryEntry[]) => h.map((e) => e.status);

  it('end at the furthest status whatever their order, each kept once', () => {
    const inOrder = run(sending, 'sent', 'delivered', 'read');
    const shuffled = run(sending, 'read', 'sent', 'delivered', 'delivered', 'read', 'sent');
    expect(inOrder.state).toBe('read');
    expect(shuffled.state).toBe('read');
    expect(names(shuffled.history).sort()).toEqual(['delivered', 'read', 'sending', 'sent']);
    expect(shuffled.wamid).toBe('wamid.1');
  });

  it('say whether a status is news, so it is announced once', () => {
    const sent = applyStatus(sending, { status: 'sent', at: at(1), wamid: 'wamid.1' });
    expect(sent.isNew).toBe(true);
    expect(applyStatus(sent.next, { status: 'sent', at: at(2), wamid: 'wamid.1' }).isNew).toBe(false);
  });

  it('a failed status fails a sent message, not a delivered one, and keeps its code', () => {
    const failed = applyStatus(run(sending, 'sent'), {
      status: 'failed',
      at: at(3),
      wamid: 'wamid.1',
      errorCode: 131049,
    });
    expect(failed.next).toMatchObject({ state: 'failed', errorCode: 131049 });
    expect(run(sending, 'delivered', 'failed').state).toBe('delivered');
  });

  it('settle an unknown send (its answer was lost)', () => {
    expect(run({ ...sending, state: 'unknown' }, 'sent').state).toBe('sent');
  });

  it('leave alone messages that never went out', () => {
    const skipped: MessageStatusView = { state: 'skipped', wamid: null, errorCode: null, history: [] };
    expect(applyStatus(skipped, { status: 'sent', at: at(1), wamid: 'w' })).toEqual({ isNew: false, next: skipped });
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
