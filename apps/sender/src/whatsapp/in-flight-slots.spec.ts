import { InFlightSlots } from './in-flight-slots';

describe('InFlightSlots', () => {
  it('hands out `size` slots at once, then first come first served as they come back', async () => {
    const slots = new InFlightSlots(2);
    const order: string[] = [];
    await slots.take();
    await slots.take();
    const third = slots.take().then(() => order.push('third'));
    const fourth = slots.take().then(() => order.push('fourth'));
    expect(slots.waiting()).toBe(2);
    slots.give();
    await third;
    expect(order).toEqual(['third']);
    expect(slots.inUse()).toBe(2);
    slots.give();
    await fourth;
    expect(order).toEqual(['third', 'fourth']);
    slots.give();
    slots.give();
    expect(slots.inUse()).toBe(0);
    expect(() => slots.give()).toThrow('twice');
  });

  it('never has more than `size` holders under random use', async () => {
    const slots = new InFlightSlots(3);
    let holders = 0;
    let peak = 0;
    await Promise.all(
      Array.from({ length: 200 }, async (_, i) => {
        await slots.take();
        holders++;
        peak = Math.max(peak, holders);
        for (let k = 0; k < i % 5; k++) await Promise.resolve();
        holders--;
        slots.give();
      }),
    );
    expect(peak).toBe(3);
    expect(slots.inUse()).toBe(0);
    expect(slots.waiting()).toBe(0);
  });

  it('refuses a size below one', () => {
    expect(() => new InFlightSlots(0)).toThrow();
  });
});
