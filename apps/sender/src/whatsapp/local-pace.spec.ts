import { LocalPace } from './local-pace';

describe('LocalPace', () => {
  it('lets the first grant go at once, then one every window / limit', () => {
    const pace = new LocalPace(1_000, 4);
    expect(pace.nextAt()).toBe(-Infinity);
    expect(pace.take(100, pace.nextAt())).toBe(100);
    expect(pace.nextAt()).toBe(350);
    expect(pace.take(350, 350)).toBe(350);
    expect(pace.nextAt()).toBe(600);
  });

  it('keeps the slot of a timer a little late (no drift), starts from now after an idle spell', () => {
    const pace = new LocalPace(1_000, 4);
    pace.take(0, -Infinity);
    expect(pace.take(251.5, 250)).toBe(251.5); // 1.5 ms late: the pace stays on 250
    expect(pace.nextAt()).toBe(500);
    pace.take(900, 500); // idle: the pace starts again from 900
    expect(pace.nextAt()).toBe(1_150);
  });

  it('takes a new limit for the next slot', () => {
    const pace = new LocalPace(1_050, 80);
    pace.take(0, -Infinity);
    expect(pace.nextAt()).toBe(13.125);
    pace.setLimit(1_000);
    expect(pace.nextAt()).toBe(1.05);
  });
});
