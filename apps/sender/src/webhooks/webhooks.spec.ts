import { createHmac } from 'node:crypto';
import { normalizeReply, optOutMatcher } from './opt-out-keywords';
import { isBusinessScopedUserId, readWebhook } from './webhook-payload';
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
      { wamid: 'wamid.A', status: 'read', at: '2024-11-24T18:00:01.000Z', sendId: 'send-1', recipient: {} },
      {
        wamid: 'wamid.B',
        status: 'failed',
        at: '2024-11-24T18:00:02.000Z',
        sendId: undefined,
        errorCode: 131026,
        recipient: {},
      },
    ]);
    expect(replies).toEqual([
      { phoneNumberId: '106540352242922', phone: '+34600111222', text: 'BAJA', at: '2024-11-24T18:01:40.000Z' },
      { phoneNumberId: '106540352242922', phone: '+34600111333', text: 'Stop', at: '2024-11-24T18:01:40.000Z' },
    ]);
  });

  it('yields nothing for shapes it cannot read', () => {
    for (const p of [null, {}, { entry: 'x' }, { entry: [{ changes: [{ field: 'account_update', value: {} }] }] }]) {
      expect(readWebhook(p)).toEqual({ statuses: [], replies: [], templates: [], numbers: [], termsSigned: [] });
    }
  });
});

const envelope = (field: string, value: Record<string, unknown>, time?: number) => ({
  object: 'whatsapp_business_account',
  entry: [{ id: '102290129340398', ...(time ? { time } : {}), changes: [{ field, value }] }],
});
const metadata = { display_phone_number: '34910000000', phone_number_id: '106540352242922' };

describe('reading a webhook with business-scoped user ids (2026)', () => {
  it('reads a status with the phone, the BSUID, the parent id and the pricing', () => {
    const { statuses, numbers } = readWebhook(
      envelope('messages', {
        metadata,
        statuses: [
          {
            id: 'wamid.A',
            status: 'delivered',
            timestamp: '1732471201',
            recipient_id: '34600111222',
            recipient_user_id: 'ES.13491208655302741918',
            recipient_parent_user_id: 'ES.ENT.11815799212886844830',
            contacts: [{ wa_id: '34600111222', user_id: 'ES.13491208655302741918' }],
            username: '@ana',
            biz_opaque_callback_data: 'send-1',
            pricing: { billable: true, pricing_model: 'PMP', type: 'regular', category: 'marketing' },
          },
        ],
      }),
    );
    expect(statuses[0]).toEqual({
      wamid: 'wamid.A',
      status: 'delivered',
      at: '2024-11-24T18:00:01.000Z',
      sendId: 'send-1',
      recipient: {
        phone: '+34600111222',
        userId: 'ES.13491208655302741918',
        parentUserId: 'ES.ENT.11815799212886844830',
        username: '@ana',
      },
      pricing: { billable: true, category: 'marketing', type: 'regular', pricingModel: 'PMP' },
    });
    expect(numbers).toEqual([{ phoneNumberId: '106540352242922', wabaId: '102290129340398' }]);
  });

  it('reads a status that names the shopper by BSUID only, or by nothing (failed), still by its id', () => {
    const { statuses } = readWebhook(
      envelope('messages', {
        metadata,
        statuses: [
          { id: 'wamid.B', status: 'read', timestamp: '1732471201', recipient_user_id: 'US.abc123' },
          // Some write-ups put the BSUID in recipient_id itself: opaque, recognised by its shape.
          { id: 'wamid.C', status: 'sent', timestamp: '1732471201', recipient_id: 'BR.XyZ09' },
          { id: 'wamid.D', status: 'failed', timestamp: '1732471201', errors: [{ code: 131049 }] },
        ],
      }),
    );
    expect(statuses.map((s) => [s.wamid, s.recipient, s.errorCode])).toEqual([
      ['wamid.B', { userId: 'US.abc123' }, undefined],
      ['wamid.C', { userId: 'BR.XyZ09' }, undefined],
      ['wamid.D', {}, 131049],
    ]);
  });

  it('reads replies without a phone: from_user_id, contacts user_id, a BSUID in from, a username', () => {
    const { replies } = readWebhook(
      envelope('messages', {
        metadata,
        contacts: [
          { profile: { name: 'Ana', username: '@ana' }, user_id: 'ES.111', parent_user_id: 'ES.ENT.9' },
          { profile: { name: 'Bo' }, wa_id: '34600111333', user_id: 'ES.222' },
        ],
        messages: [
          { from_user_id: 'ES.111', id: 'wamid.in1', timestamp: '1732471300', type: 'text', text: { body: 'BAJA' } },
          {
            from: '34600111333',
            from_user_id: 'ES.222',
            id: 'wamid.in2',
            timestamp: '1732471300',
            type: 'text',
            text: { body: 'STOP' },
          },
          { from: 'ES.333', id: 'wamid.in3', timestamp: '1732471300', type: 'text', text: { body: 'stop' } },
          { id: 'wamid.in4', timestamp: '1732471300', type: 'text', text: { body: 'stop' } },
        ],
      }),
    );
    const at = '2024-11-24T18:01:40.000Z';
    const phoneNumberId = '106540352242922';
    expect(replies).toEqual([
      { phoneNumberId, userId: 'ES.111', parentUserId: 'ES.ENT.9', username: '@ana', text: 'BAJA', at },
      { phoneNumberId, phone: '+34600111333', userId: 'ES.222', text: 'STOP', at },
      { phoneNumberId, userId: 'ES.333', text: 'stop', at },
    ]);
  });

  it('tells a BSUID from a phone by its shape', () => {
    expect(isBusinessScopedUserId('US.13491208655302741918')).toBe(true);
    expect(isBusinessScopedUserId('ES.ENT.11815799212886844830')).toBe(true);
    for (const v of ['34600111222', 'us.123', 'USA.1', 'U.1', '', 'ES.', 42])
      expect(isBusinessScopedUserId(v)).toBe(false);
  });
});

describe('reading template webhooks', () => {
  const base = { message_template_id: 278077987957091, message_template_name: 'cart_reminder' };

  it('reads a template status update (paused, approved) with its time', () => {
    const { templates } = readWebhook(
      envelope(
        'message_template_status_update',
        {
          ...base,
          event: 'PAUSED',
          message_template_language: 'es',
          reason: 'LOW_QUALITY',
          message_template_category: 'MARKETING',
        },
        1739321024,
      ),
    );
    expect(templates).toEqual([
      {
        wabaId: '102290129340398',
        templateId: '278077987957091',
        name: 'cart_reminder',
        language: 'es',
        at: '2025-02-12T00:43:44.000Z',
        kind: 'status',
        status: 'PAUSED',
        reason: 'LOW_QUALITY',
        category: 'MARKETING',
      },
    ]);
  });

  it('reads both forms of a category update: impending (correct_category) and completed', () => {
    const impending = readWebhook(
      envelope('template_category_update', {
        ...base,
        message_template_language: 'en_US',
        correct_category: 'MARKETING',
        new_category: 'UTILITY',
        category_update_timestamp: 1760711433,
      }),
    ).templates[0];
    expect(impending).toMatchObject({
      kind: 'category-impending',
      currentCategory: 'UTILITY',
      correctCategory: 'MARKETING',
      effectiveAt: '2025-10-17T14:30:33.000Z',
    });
    const completed = readWebhook(
      envelope('template_category_update', {
        ...base,
        message_template_language: 'en_US',
        previous_category: 'UTILITY',
        new_category: 'MARKETING',
      }),
    ).templates[0];
    expect(completed).toMatchObject({
      kind: 'category-completed',
      previousCategory: 'UTILITY',
      newCategory: 'MARKETING',
    });
  });

  it('leaves out template webhooks it cannot read', () => {
    for (const value of [{ event: 'PAUSED' }, { ...base }, { ...base, event: '' }]) {
      expect(readWebhook(envelope('message_template_status_update', value)).templates).toEqual([]);
    }
    expect(readWebhook(envelope('template_category_update', { ...base })).templates).toEqual([]);
  });
});

describe('reading account webhooks', () => {
  it('reads an account accepting the Marketing Messages API terms (MM_LITE_TERMS_SIGNED), by waba_info or the entry', () => {
    const signed = {
      event: 'MM_LITE_TERMS_SIGNED',
      waba_info: { waba_id: '555290129340398', owner_business_id: '902290129340398' },
    };
    expect(readWebhook(envelope('account_update', signed)).termsSigned).toEqual(['555290129340398']);
    expect(readWebhook(envelope('account_update', { event: 'MM_LITE_TERMS_SIGNED' })).termsSigned).toEqual([
      '102290129340398',
    ]);
  });

  it('leaves out the other account events', () => {
    for (const event of ['ACCOUNT_VIOLATION', 'PARTNER_APP_INSTALLED', 'VOLUME_BASED_PRICING_TIER_UPDATE', undefined]) {
      expect(readWebhook(envelope('account_update', { event })).termsSigned).toEqual([]);
    }
  });
});
