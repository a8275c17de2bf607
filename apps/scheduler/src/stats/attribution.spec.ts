import fc from 'fast-check';
import { attributionKind, attributionWindows, convertedWithin, type AttributionInput } from './attribution';

const H = 3_600_000;
const T0 = Date.parse('2026-12-01T10:00:00Z');

describe('attribution windows', () => {
  const message = { sentAt: T0, deliveredAt: T0 + 5_000, readAt: T0 + 60_000 };

  it('an order within the click window after the first click is recovered after click (120 h by default)', () => {
    const clicked = { ...message, firstClickAt: T0 + 2 * H };
    expect(attributionKind({ ...clicked, orderAt: T0 + 2 * H })).toBe('recovered-after-click');
    expect(attributionKind({ ...clicked, orderAt: T0 + 2 * H + 120 * H })).toBe('recovered-after-click');
    // Past the click window and the message window: not attributed.
    expect(attributionKind({ ...clicked, orderAt: T0 + 2 * H + 120 * H + 1 })).toBe('not-attributed');
  });

  it('the click wins over the message when both windows hold the order', () => {
    expect(attributionKind({ ...message, firstClickAt: T0 + H, orderAt: T0 + 3 * H })).toBe('recovered-after-click');
  });

  it('an order before the click but within the message window is recovered after message', () => {
    expect(attributionKind({ ...message, firstClickAt: T0 + 10 * H, orderAt: T0 + 9 * H })).toBe(
      'recovered-after-message',
    );
  });

  it('without a click: within 24 h after delivery is recovered after message, later not attributed', () => {
    expect(attributionKind({ ...message, orderAt: T0 + 5_000 })).toBe('recovered-after-message');
    expect(attributionKind({ ...message, orderAt: T0 + 5_000 + 24 * H })).toBe('recovered-after-message');
    expect(attributionKind({ ...message, orderAt: T0 + 5_000 + 24 * H + 1 })).toBe('not-attributed');
    expect(attributionKind({ ...message, firstClickAt: null, orderAt: T0 + 3 * 24 * H })).toBe('not-attributed');
  });

  it('the message window counts from delivery: before delivery, or never delivered, is not attributed', () => {
    expect(attributionKind({ ...message, orderAt: T0 + 1_000 })).toBe('not-attributed');
    expect(attributionKind({ sentAt: T0, deliveredAt: null, readAt: null, orderAt: T0 + H })).toBe('not-attributed');
    // A read message was delivered, even when its delivery status never came.
    expect(attributionKind({ sentAt: T0, deliveredAt: null, readAt: T0 + H, orderAt: T0 + 2 * H })).toBe(
      'recovered-after-message',
    );
  });

  it("the store's windows replace the defaults", () => {
    const windows = { clickWindowHours: 1, messageWindowHours: 2 };
    expect(attributionKind({ ...message, firstClickAt: T0, orderAt: T0 + 90 * 60_000 }, windows)).toBe(
      'recovered-after-message',
    );
    expect(attributionKind({ ...message, orderAt: T0 + 3 * H }, windows)).toBe('not-attributed');
    expect(attributionWindows(undefined)).toEqual({ clickWindowHours: 120, messageWindowHours: 24 });
    expect(attributionWindows({ attribution: { clickWindowHours: 48 } })).toEqual({
      clickWindowHours: 48,
      messageWindowHours: 24,
    });
  });

  it('property: the kind is exactly which window holds the order, the click first', () => {
    const at = fc.integer({ min: 0, max: 900 * H });
    const maybe = fc.option(at, { nil: null });
    fc.assert(
      fc.property(
        fc.record({ deliveredAt: maybe, readAt: maybe, firstClickAt: fc.option(at, { nil: undefined }), orderAt: at }),
        fc.integer({ min: 1, max: 720 }),
        fc.integer({ min: 1, max: 168 }),
        (times, clickWindowHours, messageWindowHours) => {
          const input: AttributionInput = { sentAt: 0, ...times };
          const kind = attributionKind(input, { clickWindowHours, messageWindowHours });
          const inClick =
            input.firstClickAt != null &&
            input.orderAt - input.firstClickAt >= 0 &&
            input.orderAt - input.firstClickAt <= clickWindowHours * H;
          const delivered = input.deliveredAt ?? input.readAt;
          const inMessage =
            delivered !== null && input.orderAt - delivered >= 0 && input.orderAt - delivered <= messageWindowHours * H;
          expect(kind).toBe(
            inClick ? 'recovered-after-click' : inMessage ? 'recovered-after-message' : 'not-attributed',
          );
          // Widening a window never takes an attributed order away.
          const wider = attributionKind(input, {
            clickWindowHours: clickWindowHours + 1,
            messageWindowHours: messageWindowHours + 1,
          });
          if (kind !== 'not-attributed') expect(wider).not.toBe('not-attributed');
          // A click can only move an order from not attributed or after message to after click.
          const withoutClick = attributionKind(
            { ...input, firstClickAt: undefined },
            { clickWindowHours, messageWindowHours },
          );
          if (kind !== 'recovered-after-click') expect(withoutClick).toBe(kind);
          expect(withoutClick).not.toBe('recovered-after-click');
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('the holdout comparison counts an order within the window after the send decision, in both arms', () => {
    expect(convertedWithin(T0, T0 + 24 * H, 24)).toBe(true);
    expect(convertedWithin(T0, T0 + 24 * H + 1, 24)).toBe(false);
    expect(convertedWithin(T0, T0, 24)).toBe(false);
    expect(convertedWithin(T0, T0 - 1, 24)).toBe(false);
    expect(convertedWithin(T0, null, 24)).toBe(false);
  });
});
