import { cartReminder, postMessage } from './graph-client';
import { startWhatsAppSimulator, type WhatsAppSimulator } from './index';

const PHONE = '106540352242922';
const OTHER_PHONE = '2222';
const TOKEN = 'store-token';

/** A repeatable 0..1 sequence, so random faults give the same counts on every run. */
function seededRandom(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    return state / 2 ** 31;
  };
}

describe('WhatsApp simulator: injected faults', () => {
  let sim: WhatsAppSimulator;
  let n = 0;
  const send = (options: { phone?: string; token?: string; to?: string; signal?: AbortSignal } = {}) =>
    postMessage(
      sim.url,
      options.phone ?? PHONE,
      options.token ?? TOKEN,
      cartReminder(options.to ?? `346001${++n}`, `s${n}`),
      {
        signal: options.signal,
      },
    );
  const codeOf = (answer: { body: Record<string, unknown> }) =>
    (answer.body.error as { code?: number } | undefined)?.code;

  beforeAll(async () => {
    sim = await startWhatsAppSimulator({
      tokens: { [PHONE]: TOKEN, [OTHER_PHONE]: 'other-token' },
      limits: { pairRate: false },
      random: seededRandom(7),
    });
  });
  afterAll(() => sim.close());
  beforeEach(() => sim.reset());

  it('fails the next N requests with the given code and HTTP status, then recovers', async () => {
    sim.faults.failNext(2, { kind: 'error', code: 131000, httpStatus: 502 });
    const answers = [await send(), await send(), await send()];
    expect(answers.map((a) => [a.status, codeOf(a)])).toEqual([
      [502, 131000],
      [502, 131000],
      [200, undefined],
    ]);
    expect(answers[0].body.error).toEqual(
      expect.objectContaining({ message: '(#131000) Something went wrong', type: 'OAuthException' }),
    );
    expect(sim.record.attempts.map((a) => a.fault)).toEqual(['fail-next', 'fail-next', undefined]);
    expect(sim.record.messages).toHaveLength(1);
  });

  it("uses Meta's HTTP status for a code when none is given, and can target one phone number", async () => {
    sim.faults.failNext(1, { kind: 'error', code: 131016 });
    sim.faults.failNext(1, { kind: 'error', code: 4 }, OTHER_PHONE);
    const mine = await send();
    const other = await send({ phone: OTHER_PHONE, token: 'other-token' });
    expect([mine.status, codeOf(mine)]).toEqual([503, 131016]);
    expect([other.status, codeOf(other)]).toEqual([429, 4]);
    expect((await send()).status).toBe(200);
  });

  it('fails a share of requests at random with 5xx', async () => {
    sim.faults.failRandomly({ probability: 0.3 });
    const answers = [];
    for (let i = 0; i < 100; i++) answers.push(await send());
    const failed = answers.filter((a) => a.status !== 200);
    expect(failed.length).toBeGreaterThan(15);
    expect(failed.length).toBeLessThan(45);
    expect(new Set(failed.map((a) => a.status))).toEqual(new Set([500, 503]));
    expect(sim.record.messages).toHaveLength(100 - failed.length);
    sim.faults.failRandomly(null);
    expect((await send()).status).toBe(200);
  });

  it('holds requests during a stall, then answers normally', async () => {
    sim.faults.stall({ forMs: 300, holdMs: 120 });
    const started = Date.now();
    const held = await send();
    expect(held.status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(110);
    expect(sim.record.attempts[0].fault).toBe('stall');
    await new Promise((r) => setTimeout(r, 200));
    expect((await send()).status).toBe(200);
    expect(sim.record.attempts[1].fault).toBeUndefined();
  });

  it('hangs requests until the client gives up during a stall without end, without processing them', async () => {
    sim.faults.stall({ forMs: 1000 });
    await expect(send({ signal: AbortSignal.timeout(150) })).rejects.toThrow(/abort/i);
    expect(sim.record.attempts[0].outcome).toBe('hung');
    expect(sim.record.messages).toHaveLength(0);
    sim.faults.stall(null);
    expect((await send()).status).toBe(200);
  });

  it('loses the answer of an accepted message: the client times out, the message exists', async () => {
    sim.faults.failNext(1, { kind: 'lose-answer' });
    await expect(send({ signal: AbortSignal.timeout(150), to: '34600777888' })).rejects.toThrow(/abort/i);
    expect(sim.record.attempts[0].outcome).toBe('answer-lost');
    expect(sim.record.findMessages({ to: '34600777888' })).toEqual([
      expect.objectContaining({ bizOpaqueCallbackData: expect.stringMatching(/^s\d+$/) }),
    ]);
  });

  it('drops the connection on an injected reset', async () => {
    sim.faults.failNext(1, { kind: 'reset' });
    await expect(send()).rejects.toThrow();
    expect(sim.record.attempts[0].outcome).toBe('reset');
    expect((await send()).status).toBe(200);
  });

  it('refuses numbers that are not on WhatsApp with 131026', async () => {
    sim.faults.notOnWhatsApp('+34 600 000 404');
    const answer = await send({ to: '34600000404' });
    expect(answer.status).toBe(400);
    expect(answer.body.error).toEqual(
      expect.objectContaining({
        code: 131026,
        message: '(#131026) Message undeliverable',
        error_data: expect.objectContaining({ details: expect.stringContaining('not a WhatsApp phone number') }),
      }),
    );
    expect(sim.record.messages).toHaveLength(0);
  });

  it('answers 190 once a token is revoked at runtime, and 200 again once restored', async () => {
    expect((await send()).status).toBe(200);
    sim.faults.revokeToken(TOKEN);
    const revoked = await send();
    expect(revoked.status).toBe(401);
    expect(revoked.body.error).toEqual(
      expect.objectContaining({
        code: 190,
        error_subcode: 460,
        message: expect.stringContaining('Error validating access token'),
      }),
    );
    expect((await send({ phone: OTHER_PHONE, token: 'other-token' })).status).toBe(200);
    sim.faults.restoreToken(TOKEN);
    expect((await send()).status).toBe(200);
  });

  it('adds the configured latency to every answer', async () => {
    sim.updateSettings({ latencyMs: { minMs: 60, maxMs: 80 } });
    try {
      const started = Date.now();
      await Promise.all([send(), send(), send()]);
      expect(Date.now() - started).toBeGreaterThanOrEqual(55);
    } finally {
      sim.updateSettings({ latencyMs: 0 });
    }
  });

  it('takes a whole fault order at once and describes what is in force', () => {
    sim.faults.apply({
      failNext: { count: 3, failure: { kind: 'error', code: 131000 } },
      stall: { forMs: 10_000, holdMs: 5 },
      notOnWhatsApp: ['34600000404'],
      failAfterAccept: [{ to: '34600000131', code: 131049 }],
      revokeTokens: ['abcdefgh'],
      webhookSignature: 'invalid',
    });
    expect(sim.faults.describe()).toEqual({
      failNext: [{ count: 3, failure: { kind: 'error', code: 131000 } }],
      random: null,
      stall: { remainingMs: expect.any(Number), holdMs: 5 },
      notOnWhatsApp: ['34600000404'],
      failAfterAccept: [{ to: '34600000131', code: 131049 }],
      revokedTokens: ['abcd…'],
      webhookSignature: 'invalid',
    });
    expect(() => sim.faults.apply({ failNext: { count: 0, failure: { kind: 'hang' } } })).toThrow(/count/);
    expect(() => sim.faults.apply({ random: { probability: 2 } })).toThrow(/probability/);
  });

  it('closes promptly with requests still hanging', async () => {
    const stalled = await startWhatsAppSimulator({ tokens: { [PHONE]: TOKEN } });
    stalled.faults.stall({ forMs: 60_000 });
    const pending = postMessage(stalled.url, PHONE, TOKEN, cartReminder('34600111222', 'x')).catch((e: Error) => e);
    await new Promise((r) => setTimeout(r, 50));
    const started = Date.now();
    await stalled.close();
    expect(Date.now() - started).toBeLessThan(500);
    expect(await pending).toBeInstanceOf(Error);
  });
});
