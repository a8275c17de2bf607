import { localSlots, maxReservation, paceSpacingMicros, reservationSize, reserveRetryMs } from './shared-pace';

describe('shared pace arithmetic', () => {
  it('spaces slots by (window + margin) / limit, rounded up to a microsecond', () => {
    expect(paceSpacingMicros(1050, 80)).toBe(13_125);
    expect(paceSpacingMicros(1050, 1000)).toBe(1050);
    // 1,050,000 / 7 = 150,000 exactly; 1,050,000 / 11 = 95,454.54… → 95,455 (never closer than the pace).
    expect(paceSpacingMicros(1050, 7)).toBe(150_000);
    expect(paceSpacingMicros(1050, 11)).toBe(95_455);
    for (const limit of [1, 3, 7, 11, 13, 80, 333, 999, 1000]) {
      expect(paceSpacingMicros(1050, limit) * limit).toBeGreaterThanOrEqual(1_050_000);
    }
  });

  it('reserves one slot when idle, up to an eighth of the limit when busy, never more than wait', () => {
    expect(maxReservation(80)).toBe(10);
    expect(maxReservation(1000)).toBe(125);
    expect(maxReservation(5)).toBe(1);
    expect(reservationSize(0, 0, 80)).toBe(0);
    expect(reservationSize(1, 0, 80)).toBe(1);
    expect(reservationSize(3, 0, 80)).toBe(3);
    expect(reservationSize(500, 0, 80)).toBe(10);
    expect(reservationSize(500, 0, 1000)).toBe(125);
    expect(reservationSize(1, 0, 1)).toBe(1);
  });

  it('reserves again only once fewer than half a reservation is held, and only for sends not covered', () => {
    expect(reservationSize(500, 5, 80)).toBe(0); // half of 10 still held
    expect(reservationSize(500, 4, 80)).toBe(10);
    expect(reservationSize(6, 4, 80)).toBe(2);
    expect(reservationSize(4, 4, 80)).toBe(0);
    expect(reservationSize(2, 3, 80)).toBe(0); // more slots than sends (a renewal took one)
    // Held ahead never exceeds 1.5 reservations, whatever the queue.
    for (const limit of [1, 8, 80, 250, 1000]) {
      for (let held = 0; held < 200; held++) {
        const count = reservationSize(10_000, held, limit);
        if (count > 0) {
          expect(held + count).toBeLessThanOrEqual(Math.ceil(maxReservation(limit) / 2) - 1 + maxReservation(limit));
        }
      }
    }
  });

  it('puts the first slot at the midpoint of the round trip plus its distance on the store clock', () => {
    expect(localSlots(0, 100, 104, 1, 13_125)).toEqual([102]);
    expect(localSlots(-0.01, 100, 100, 1, 13_125)).toEqual([99.99]); // due now
    expect(localSlots(50, 1000, 1002, 3, 13_125)).toEqual([1051, 1064.125, 1077.25]);
  });

  it('keeps the store clock out of it: only the distance to its now counts', () => {
    // Two instances whose monotonic clocks are hours apart get slots 13.125 ms apart in each one's time.
    const a = localSlots(0, 5_000_000, 5_000_002, 1, 13_125)[0] - 5_000_001;
    const b = localSlots(13.125, 42, 44, 1, 13_125)[0] - 43;
    expect(b - a).toBeCloseTo(13.125, 9);
  });

  it('waits 100 ms doubling to 2 s between failed reservations', () => {
    expect([1, 2, 3, 4, 5, 6, 20].map(reserveRetryMs)).toEqual([100, 200, 400, 800, 1600, 2000, 2000]);
  });
});
