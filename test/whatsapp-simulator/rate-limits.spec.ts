import { cartReminder, postMessage } from './graph-client';
import { peakPerSecond, startWhatsAppSimulator, type WhatsAppSimulator } from './index';
import { PairRateLimit, ThroughputLimit } from './rate-limits';

const PHONE = '106540352242922';
const TOKEN = 'store-token';

describe('ThroughputLimit', () => {
  it('admits at most perSecond sends in any 1,000 ms window', () => {
    const limit = new ThroughputLimit(3);
    expect([0, 10, 20, 30].map((t) => limit.admit(PHONE, t))).toEqual([true, true, true, false]);
    expect(limit.admit(PHONE, 999)).toBe(false);
    expect(limit.admit(PHONE, 1000)).toBe(true);
    expect(limit.admit(PHONE, 1005)).toBe(false);
    expect(limit.admit(PHONE, 1010)).toBe(true);
  });

  it('refuses a full burst followed by a refill at the rate (a token bucket would allow twice the limit)', () => {
    const limit = new ThroughputLimit(10);
    const burst = Array.from({ length: 10 }, () => limit.admit(PHONE, 0));
    const paced = Array.from({ length: 9 }, (_, i) => limit.admit(PHONE, 100 * (i + 1)));
    expect(burst.every(Boolean)).toBe(true);
    expect(paced.some(Boolean)).toBe(false);
  });

  it('counts each business phone number on its own', () => {
    const limit = new ThroughputLimit(1);
    expect([limit.admit('a', 0), limit.admit('b', 0), limit.admit('a', 1)]).toEqual([true, true, false]);
  });
});

describe('PairRateLimit', () => {
  it('allows a burst, then one message per interval to the same recipient', () => {
    const limit = new PairRateLimit({ intervalMs: 6000, burst: 2 });
    const send = (t: number) => {
      const ok = limit.allows(PHONE, '34600111222', t);
      if (ok) limit.take(PHONE, '34600111222', t);
      return ok;
    };
    expect([send(0), send(1), send(2)]).toEqual([true, true, false]);
    expect(send(5999)).toBe(false);
    expect(send(6001)).toBe(true);
    expect(send(6002)).toBe(false);
    expect(limit.allows(PHONE, '34600999999', 6002)).toBe(true);
  });

  it('does nothing when disabled', () => {
    const limit = new PairRateLimit(false);
    for (let i = 0; i < 100; i++) limit.take(PHONE, '34600111222', 0);
    expect(limit.allows(PHONE, '34600111222', 0)).toBe(true);
  });
});

describe('peakPerSecond', () => {
  it('finds the busiest 1,000 ms window', () => {
    expect(peakPerSecond([])).toBe(0);
    expect(peakPerSecond([0, 400, 999, 1000, 1001, 1500])).toBe(4);
    expect(peakPerSecond([0, 500, 999, 1000, 1500, 1999])).toBe(3);
    expect(peakPerSecond([3000, 0, 1000, 2000])).toBe(1);
  });
});

describe('WhatsApp simulator: limits over HTTP', () => {
  let sim: WhatsAppSimulator;
  beforeAll(async () => {
    sim = await startWhatsAppSimulator({
      tokens: { [PHONE]: TOKEN, '2222': TOKEN },
      limits: { throughputPerSecond: 5, pairRate: { intervalMs: 300, burst: 2 } },
    });
  });
  afterAll(() => sim.close());
  beforeEach(() => sim.reset());

  it('answers 130429 (HTTP 400) beyond the throughput of a phone number, and records the refusals', async () => {
    const answers = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        postMessage(sim.url, PHONE, TOKEN, cartReminder(`3460000${1000 + i}`, `s${i}`)),
      ),
    );
    const other = await postMessage(sim.url, '2222', TOKEN, cartReminder('34600001999', 'other'));

    expect(answers.filter((a) => a.status === 200)).toHaveLength(5);
    const refused = answers.filter((a) => a.status !== 200);
    expect(refused).toHaveLength(3);
    for (const r of refused) {
      expect(r.status).toBe(400);
      expect(r.body.error).toEqual(
        expect.objectContaining({
          code: 130429,
          message: '(#130429) Rate limit hit',
          error_data: expect.objectContaining({ details: expect.stringContaining('too many messages') }),
        }),
      );
    }
    expect(other.status).toBe(200);
    const stats = sim.record.stats();
    expect(stats.refusedByCode['130429']).toBe(3);
    expect(stats.phoneNumbers[PHONE]).toEqual({
      attempts: 8,
      accepted: 5,
      peakAttemptsPerSecond: 8,
      peakAcceptedPerSecond: 5,
    });
  });

  it('answers 131056 (HTTP 400) beyond the pair rate, per recipient, and recovers after the interval', async () => {
    const to = '34600111222';
    const first = [];
    for (let i = 0; i < 3; i++) first.push(await postMessage(sim.url, PHONE, TOKEN, cartReminder(to, `p${i}`)));
    const otherShopper = await postMessage(sim.url, PHONE, TOKEN, cartReminder('34600111333', 'q'));

    expect(first.map((a) => a.status)).toEqual([200, 200, 400]);
    expect(first[2].body.error).toEqual(
      expect.objectContaining({
        code: 131056,
        message: '(#131056) (Business Account, Consumer Account) pair rate limit hit',
      }),
    );
    expect(otherShopper.status).toBe(200);

    await new Promise((r) => setTimeout(r, 350));
    expect((await postMessage(sim.url, PHONE, TOKEN, cartReminder(to, 'p3'))).status).toBe(200);
    expect(sim.record.findMessages({ to })).toHaveLength(3);
  });

  it('changes limits at runtime and can turn the pair rate off for load tests', async () => {
    sim.updateSettings({ limits: { throughputPerSecond: 50, pairRate: false } });
    try {
      const answers = await Promise.all(
        Array.from({ length: 20 }, (_, i) => postMessage(sim.url, PHONE, TOKEN, cartReminder('34600111222', `l${i}`))),
      );
      expect(answers.every((a) => a.status === 200)).toBe(true);
    } finally {
      sim.updateSettings({ limits: { throughputPerSecond: 5, pairRate: { intervalMs: 300, burst: 2 } } });
    }
  });

  it('refuses bad limit settings without changing anything', () => {
    expect(() => sim.updateSettings({ limits: { throughputPerSecond: 0 } })).toThrow(/positive integer/);
    expect(sim.settings().throughputPerSecond).toBe(5);
  });
});
