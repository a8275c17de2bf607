import { deliver, type DeliveryParts } from './delivery';
import { InFlightSlots } from './in-flight-slots';
import type { DeliveryResult } from './delivery-result';
import { PACED_ATTEMPTS_FACTOR, RetryPolicy } from './retry-policy';
import type { SendRequest } from './whatsapp-client';

const request: SendRequest = {
  phoneNumberId: 'pn',
  accessToken: 'secret-token',
  to: '+34600111222',
  body: { type: 'text', body: 'hola' },
  bizOpaqueCallbackData: 'send-1',
};

function parts(answers: DeliveryResult[], extra: Partial<DeliveryParts> = {}) {
  const clockNow = () => (extra.now ?? (() => 0))();
  const calls: string[] = [];
  const sleeps: number[] = [];
  const built: DeliveryParts = {
    client: {
      send: async () => {
        calls.push('send');
        const next = answers.shift();
        if (!next) throw new Error('no more answers');
        return next;
      },
    },
    limiter: {
      acquire: async (phoneNumberId, recipient) => {
        calls.push('acquire');
        return { phoneNumberId, recipient, at: clockNow() };
      },
      renew: async (grant) => {
        calls.push('renew');
        return { ...grant, at: clockNow() };
      },
      refundRecipient: () => void calls.push('refund'),
    },
    retryPolicy: new RetryPolicy({ maxAttempts: 4, baseDelayMs: 100, random: () => 0.5 }),
    sleep: async (ms) => void sleeps.push(ms),
    now: () => 0,
    ...extra,
  };
  return { built, calls, sleeps };
}

const accepted: DeliveryResult = { kind: 'accepted', whatsappMessageId: 'wamid.1' };
/** A refusal by the number's throughput limit, as `classifyGraphError` gives it. */
const paced: DeliveryResult = {
  kind: 'transient',
  code: 130429,
  reason: 'throughput',
  retryAfterMs: 1_000,
  paced: true,
};

describe('deliver', () => {
  it('acquires the limits before every attempt and retries transient failures with the policy delay', async () => {
    const { built, calls, sleeps } = parts([
      { kind: 'transient', code: 131000, reason: '500' },
      { kind: 'transient', code: 130429, reason: 'rate', retryAfterMs: 1_000 },
      accepted,
    ]);
    expect(await deliver(built, request)).toEqual({ result: accepted, attempts: 3 });
    expect(calls).toEqual(['acquire', 'send', 'refund', 'acquire', 'send', 'refund', 'acquire', 'send']);
    expect(sleeps).toEqual([50, 1_000]);
  });

  it('keeps the pair pace after a pair-rate refusal', async () => {
    const { built, calls } = parts([
      { kind: 'transient', code: 131056, reason: 'pair', retryAfterMs: 6_000 },
      accepted,
    ]);
    await deliver(built, request);
    expect(calls).not.toContain('refund');
  });

  it('does not retry permanent failures nor a rejected token', async () => {
    for (const failure of [
      { kind: 'permanent', code: 131026, reason: 'undeliverable' },
      { kind: 'token-rejected', code: 190, reason: 'token' },
    ] as DeliveryResult[]) {
      const { built, calls } = parts([failure, accepted]);
      expect(await deliver(built, request)).toEqual({ result: failure, attempts: 1 });
      expect(calls.filter((c) => c === 'send')).toHaveLength(1);
    }
  });

  it('gives up after maxAttempts with the last transient failure', async () => {
    const failure: DeliveryResult = { kind: 'transient', code: 131016, reason: '503' };
    const { built, calls } = parts([failure, failure, failure, failure, accepted]);
    expect(await deliver(built, request)).toEqual({ result: failure, attempts: 4 });
    expect(calls.filter((c) => c === 'send')).toHaveLength(4);
  });

  it('does not count refusals by a sending limit against the attempts', async () => {
    const failure: DeliveryResult = { kind: 'transient', code: 131016, reason: '503' };
    // maxAttempts is 4: six paced refusals and three failures still leave the fourth try.
    const { built, sleeps } = parts([paced, paced, paced, failure, paced, paced, failure, paced, failure, accepted]);
    expect(await deliver(built, request)).toEqual({ result: accepted, attempts: 10 });
    expect(sleeps.filter((ms) => ms >= 1_000)).toHaveLength(6); // each paced refusal keeps the limit's pace
  });

  it('still stops a message refused by a sending limit again and again', async () => {
    const limit = 4 * PACED_ATTEMPTS_FACTOR;
    const { built, calls } = parts([...Array.from({ length: limit }, () => paced), accepted]);
    expect(built.retryPolicy.maxRequests).toBe(limit);
    expect(await deliver(built, request)).toEqual({ result: paced, attempts: limit });
    expect(calls.filter((c) => c === 'send')).toHaveLength(limit);
  });

  it('hands an ambiguous failure back, unsent again, when it cannot settle it', async () => {
    const failure: DeliveryResult = { kind: 'transient', reason: 'timeout', ambiguous: true };
    const { built, calls } = parts([failure, accepted]);
    expect(await deliver(built, request)).toEqual({ result: failure, attempts: 1 });
    expect(calls).toEqual(['acquire', 'send']);
  });

  it('settles an ambiguous attempt from the webhooks instead of sending again', async () => {
    const settle = jest.fn(async () => 'wamid.from-webhook');
    const { built, calls, sleeps } = parts([{ kind: 'transient', reason: 'timeout', ambiguous: true }], {
      settle,
      settleAfterMs: 2_000,
    });
    expect(await deliver(built, request)).toEqual({
      result: { kind: 'accepted', whatsappMessageId: 'wamid.from-webhook' },
      attempts: 1,
      settledFromWebhook: true,
    });
    expect(settle).toHaveBeenCalledWith('send-1');
    expect(sleeps).toEqual([2_000]);
    expect(calls.filter((c) => c === 'send')).toHaveLength(1);
  });

  it('sends again after an ambiguous attempt the webhooks do not know', async () => {
    const { built, calls } = parts([{ kind: 'transient', reason: 'reset', ambiguous: true }, accepted], {
      settle: async () => undefined,
    });
    expect(await deliver(built, request)).toEqual({ result: accepted, attempts: 2 });
    expect(calls).toEqual(['acquire', 'send', 'acquire', 'send']);
  });

  it('on marketing_messages settles an ambiguous attempt once, and never sends it again', async () => {
    const failure: DeliveryResult = { kind: 'transient', reason: 'timeout', ambiguous: true };
    const marketing: SendRequest = {
      ...request,
      body: { type: 'template', name: 'cart', languageCode: 'es', bodyParameters: [], category: 'MARKETING' },
    };
    // Found (a webhook matched by recipient gave the row its id): accepted, one request.
    const found = parts([failure, accepted], { settle: async () => 'wamid.by-recipient', settleAfterMs: 2_000 });
    expect(await deliver(found.built, marketing)).toEqual({
      result: { kind: 'accepted', whatsappMessageId: 'wamid.by-recipient' },
      attempts: 1,
      settledFromWebhook: true,
    });
    expect(found.sleeps).toEqual([2_000]);
    // Not found: handed back ambiguous, not sent again (on /messages it would be).
    const settle = jest.fn(async () => undefined);
    const lost = parts([failure, accepted], { settle });
    expect(await deliver(lost.built, marketing)).toEqual({ result: failure, attempts: 1 });
    expect(settle).toHaveBeenCalledTimes(1);
    expect(lost.calls).toEqual(['acquire', 'send']);
    const fallback = { ...marketing, body: { ...marketing.body, fallbackToMessages: true } } as SendRequest;
    const again = parts([failure, accepted], { settle: async () => undefined });
    expect(await deliver(again.built, fallback)).toEqual({ result: accepted, attempts: 2 });
  });

  it('tells the caller before and after every attempt', async () => {
    const events: string[] = [];
    const { built } = parts([{ kind: 'transient', reason: '500' }, accepted], {
      beforeAttempt: (n) => void events.push(`before ${n}`),
      afterAttempt: (n, r) => void events.push(`after ${n} ${r.kind}`),
    });
    await deliver(built, request);
    expect(events).toEqual(['before 1', 'after 1 transient', 'before 2', 'after 2 accepted']);
  });

  it('renews the throughput grant when it aged past maxGrantAgeMs before the call', async () => {
    let time = 0;
    const ages: number[] = [];
    const { built, calls } = parts([accepted], {
      now: () => time,
      maxGrantAgeMs: 20,
      onGrantRenewed: (age) => void ages.push(age),
      beforeAttempt: () => {
        calls.push('before');
        time += 50; // the database was slow
      },
    });
    expect(await deliver(built, request)).toEqual({ result: accepted, attempts: 1 });
    expect(calls).toEqual(['acquire', 'before', 'renew', 'send']);
    expect(ages).toEqual([50]);
  });

  it('goes with a grant younger than maxGrantAgeMs', async () => {
    let time = 0;
    const { built, calls } = parts([accepted], {
      now: () => time,
      beforeAttempt: () => {
        time += 40;
      },
    });
    await deliver(built, request);
    expect(calls).toEqual(['acquire', 'send']);
  });

  it('holds an in-flight slot only around the call, and gives it back whatever happens', async () => {
    const slots = new InFlightSlots(1);
    const seen: number[] = [];
    const { built } = parts([], {
      slots,
      client: {
        send: async () => {
          seen.push(slots.inUse());
          throw new Error('boom');
        },
      },
    });
    await expect(deliver(built, request)).rejects.toThrow('boom');
    expect(seen).toEqual([1]);
    expect(slots.inUse()).toBe(0);
  });

  it('calls beforeAttempt only once a slot is held, so nothing waits between it and the request', async () => {
    const slots = new InFlightSlots(1);
    await slots.take();
    const { built, calls } = parts([accepted], {
      slots,
      beforeAttempt: () => void calls.push(`before (slots in use ${slots.inUse()}, waiting ${slots.waiting()})`),
    });
    const delivering = deliver(built, request);
    await new Promise((resolve) => setImmediate(resolve));
    expect(calls).toEqual(['acquire']); // still waiting for the slot: not recorded as called
    slots.give();
    await delivering;
    expect(calls).toEqual(['acquire', 'before (slots in use 1, waiting 0)', 'send']);
    expect(slots.inUse()).toBe(0);
  });

  it('gives the slot back when beforeAttempt throws (the intent was taken over)', async () => {
    const slots = new InFlightSlots(1);
    const { built, calls } = parts([accepted], {
      slots,
      beforeAttempt: () => {
        throw new Error('taken over');
      },
    });
    await expect(deliver(built, request)).rejects.toThrow('taken over');
    expect(calls).toEqual(['acquire']);
    expect(slots.inUse()).toBe(0);
  });

  it('waits for a slot after the grant, and renews the grant when the slot came late', async () => {
    const slots = new InFlightSlots(1);
    await slots.take();
    let time = 0;
    const { built, calls } = parts([accepted], { slots, now: () => time });
    const delivering = deliver(built, request);
    await new Promise((resolve) => setImmediate(resolve));
    expect(calls).toEqual(['acquire']);
    time = 100;
    slots.give();
    await delivering;
    expect(calls).toEqual(['acquire', 'renew', 'send']);
  });
});
