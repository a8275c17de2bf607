import { reasonCode, recentMessageOf, recentMessagesLimit } from './recent-messages';

describe('recent messages', () => {
  it('shows 20 by default, 1 to 100 when asked, and nothing else', () => {
    expect(recentMessagesLimit(undefined)).toBe(20);
    expect(recentMessagesLimit('')).toBe(20);
    expect(recentMessagesLimit('1')).toBe(1);
    expect(recentMessagesLimit('100')).toBe(100);
    for (const bad of ['0', '101', '-1', '2.5', 'ten', '1e2']) expect(recentMessagesLimit(bad)).toBeUndefined();
  });

  it('gives reasons as codes, never as the stored free text', () => {
    expect(reasonCode('frequency-cap')).toBe('frequency-cap');
    expect(reasonCode('outside-opening-hours')).toBe('outside-opening-hours');
    expect(reasonCode('render-error: unknown field "nombre" at line 1')).toBe('render-error');
    expect(reasonCode('131049: limited-by-meta', 131049)).toBe('limited-by-meta');
    expect(reasonCode('retries-exhausted: server error')).toBe('retries-exhausted');
    expect(reasonCode('held_for_quality_assessment')).toBe('held-for-quality-assessment');
    expect(reasonCode('paused')).toBe('delivery-paused');
    expect(reasonCode('131026: Message undeliverable to +34600111222', 131026)).toBe('whatsapp-error');
    expect(reasonCode(null, 131026)).toBe('whatsapp-error');
    expect(reasonCode('network: ECONNRESET')).toBe('other');
    expect(reasonCode(null)).toBeNull();
  });

  it('masks the phone and keeps every step with its time', () => {
    const shown = recentMessageOf({
      sendId: 's-1',
      cartId: 'cart-1',
      phone: '+34600111222',
      state: 'failed',
      reason: '131026: Message undeliverable to +34600111222',
      errorCode: 131026,
      history: [
        { status: 'sending', at: '2026-12-07T10:00:00.000Z' },
        { status: 'sent', at: '2026-12-07T10:00:01.000Z' },
        { status: 'failed', at: '2026-12-07T10:00:05.000Z', reason: '131026: undeliverable', code: 131026 },
      ],
      renderedText: 'Hola Ana',
      templateName: null,
      locale: 'es',
      createdAt: new Date('2026-12-07T10:00:00Z'),
    });
    expect(shown.phone).toBe('+34******222');
    expect(JSON.stringify(shown)).not.toContain('600111');
    expect(shown.reason).toBe('whatsapp-error');
    expect(shown.history).toEqual([
      { status: 'sending', at: '2026-12-07T10:00:00.000Z' },
      { status: 'sent', at: '2026-12-07T10:00:01.000Z' },
      { status: 'failed', at: '2026-12-07T10:00:05.000Z', reason: 'whatsapp-error', code: 131026 },
    ]);
    expect(shown.decidedAt).toBe('2026-12-07T10:00:00.000Z');
  });
});
