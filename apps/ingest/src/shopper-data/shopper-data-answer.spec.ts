import type { SchedulerShopperData, SenderShopperData } from '@lib/contracts';
import { shopperDataAnswer, type ServiceAnswer } from './shopper-data-answer';

const scheduler: SchedulerShopperData = {
  carts: [{ storeId: 's', cartId: 'c1', facts: {} }],
  abandonments: [],
  messageOutcomes: [],
  linkClicks: [],
  contacts: [],
  consentRecords: [{ storeId: 's', state: 'granted' }],
};
const sender: SenderShopperData = {
  messages: [{ sendId: 's:c1:1', storeId: 's', state: 'sent', history: [] }],
  contacts: [],
  optOuts: [],
  suppressions: [],
  shopperIdentities: [],
  marketingLimits: [],
};
const query = { phone: '+34600111222', storeId: 's', generatedAt: new Date('2026-12-07T10:00:00Z') };
const ingest = { erasureRequests: [] };
const ok = (body: unknown): ServiceAnswer => ({ ok: true, body });

describe('shopperDataAnswer', () => {
  it("puts every service's part under its name, with the phone, the store and the time", () => {
    expect(shopperDataAnswer(query, ingest, { scheduler: ok(scheduler), sender: ok(sender) })).toEqual({
      ok: true,
      answer: {
        phone: '+34600111222',
        storeId: 's',
        generatedAt: '2026-12-07T10:00:00.000Z',
        ingest,
        scheduler,
        sender,
      },
    });
  });

  it('answers 502 naming the service that did not answer, never a partial answer', () => {
    expect(
      shopperDataAnswer(query, ingest, { scheduler: ok(scheduler), sender: { ok: false, why: 'no answer' } }),
    ).toEqual({
      ok: false,
      status: 502,
      service: 'sender',
      message: 'the sender did not answer',
    });
    expect(
      shopperDataAnswer(query, ingest, { scheduler: { ok: false, why: 'refused', status: 401 }, sender: ok(sender) }),
    ).toEqual({ ok: false, status: 502, service: 'scheduler', message: 'the scheduler did not answer (HTTP 401)' });
  });

  it('answers 502 when a part lacks one of its tables', () => {
    const { optOuts: _, ...partial } = sender;
    expect(shopperDataAnswer(query, ingest, { scheduler: ok(scheduler), sender: ok(partial) })).toMatchObject({
      ok: false,
      status: 502,
      service: 'sender',
      message: 'the sender did not answer with its part',
    });
    expect(shopperDataAnswer(query, ingest, { scheduler: ok(null), sender: ok(sender) })).toMatchObject({
      status: 502,
      service: 'scheduler',
    });
  });

  it('answers 503 naming the setting when a service has no URL here', () => {
    expect(shopperDataAnswer(query, ingest, { scheduler: ok(scheduler), sender: { ok: false, why: 'unset' } })).toEqual(
      {
        ok: false,
        status: 503,
        service: 'sender',
        message: 'access requests are not configured: SHOPPER_DATA_SENDER_URL is unset',
      },
    );
  });
});
