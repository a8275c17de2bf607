/**
 * The pipeline's end-to-end scenario, black box: only ingest's HTTP API and cart-events-raw go
 * in; only the topics, the scheduler's stats API and the WhatsApp simulator's record are read.
 * Two stores: one open now (Madrid), one closed now that opens in 1–2 minutes (New York).
 * Shoppers' last activity is dated a minute back with `abandonAfterMinutes: 1`, so carts are
 * abandoned on arrival and the scenario takes about two minutes (most of it waiting for the
 * New York opening). test/e2e/pipeline.e2e-spec.ts runs it on the local stack,
 * test/e2e/secured.e2e-spec.ts over SASL_SSL and PostgreSQL TLS.
 */
import { cartKey, type StoreSettings } from '@lib/contracts';
import { eventually } from './kafka';
import {
  apiGet,
  cartEvent,
  CartSpec,
  hoursOpeningIn,
  hoursOpenNow,
  Pipeline,
  platformProducer,
  postCartEvents,
  putStore,
  SimulatedMessage,
  storeSettings,
  TopicWatcher,
} from './pipeline';

const OPEN = 'open-store';
const CLOSED = 'closed-store';
const OPEN_NUMBER = '106540352242922';
const CLOSED_NUMBER = '106540352249999';
/** Last activity this long ago: with abandonAfterMinutes 1, the cart is abandoned on arrival. */
const ABANDONED_AGO_MS = 65_000;

const digits = (phone: string) => phone.replace(/\D/g, '');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function abandoned(storeId: string, cartId: string, phone: string, extra: Partial<CartSpec> = {}) {
  return cartEvent({
    storeId,
    cartId,
    phone,
    firstName: 'Ana',
    locale: 'es-ES',
    occurredAt: new Date(Date.now() - ABANDONED_AGO_MS),
    items: [
      { sku: 'ZAP-42', title: 'Zapatillas Lola', quantity: 1, unitPrice: '59.90' },
      { sku: 'CAL-3', title: 'Calcetines de lana', quantity: 2, unitPrice: '4.50' },
    ],
    ...extra,
  });
}

/**
 * Registers the scenario as a describe named `title`: its beforeAll creates the stores and
 * sends every scenario's first events, then the tests. The pipeline (`startPipeline`) must be
 * running when that beforeAll runs (started by an enclosing one); the caller stops it.
 */
export function pipelineScenario(pipelineOf: () => Pipeline, title = 'the pipeline end to end'): void {
  let pipeline: Pipeline;
  let watcher: TopicWatcher;
  let opensAt: Date;
  /** When the first events go in. */
  let t0 = Date.now();

  function sendDueOf(storeId: string, cartId: string) {
    return watcher
      .of(pipeline.topics.sendDue)
      .map((r) => r.value!)
      .filter((v) => v && v.storeId === storeId && v.cartId === cartId);
  }

  async function messagesTo(phone: string): Promise<SimulatedMessage[]> {
    return pipeline.simulator.messages({ to: digits(phone) });
  }

  async function exactlyOneMessage(phone: string, timeoutMs = 45_000): Promise<SimulatedMessage> {
    const found = await eventually(
      () => messagesTo(phone),
      (m) => m.length > 0,
      timeoutMs,
    );
    expect(found).toHaveLength(1);
    return found[0];
  }

  describe(title, () => {
    beforeAll(async () => {
      pipeline = pipelineOf();
      // The tests read send-due only after `caughtUp`: a message can reach the simulator before
      // this reader has read the send-due that caused it.
      watcher = new TopicWatcher(pipeline.kafkaBrokers);
      await watcher.start([pipeline.topics.sendDue, pipeline.topics.messageOutcomes]);

      const now = new Date();
      const closing = hoursOpeningIn('America/New_York', 1, now, 120);
      opensAt = closing.opensAt;
      const stores: StoreSettings[] = [
        storeSettings({
          storeId: OPEN,
          name: 'Zapatería Lola',
          timezone: 'Europe/Madrid',
          openingHours: hoursOpenNow('Europe/Madrid', now),
          // Several carts share no phone here, so 0 keeps the frequency rule out of the way.
          minHoursBetweenMessages: 0,
          whatsapp: { phoneNumberId: OPEN_NUMBER, accessToken: 'pipeline-access-token-0001', mode: 'text' },
        }),
        storeSettings({
          storeId: CLOSED,
          name: 'Brooklyn Bikes',
          timezone: 'America/New_York',
          defaultCountry: 'US',
          locale: 'en',
          openingHours: closing.hours,
          whatsapp: { phoneNumberId: CLOSED_NUMBER, accessToken: 'pipeline-access-token-0001', mode: 'text' },
        }),
      ];
      for (const store of stores) await putStore(pipeline, store);
      // The scheduler and the sender learn the stores from the store-settings topic.
      await sleep(3000);

      // Every scenario's first events go in now; each test then waits for its own outcome.
      t0 = Date.now();
      await postCartEvents(pipeline, [
        abandoned(OPEN, 'a1', '+34600000001'),
        abandoned(CLOSED, 'b1', '+16467120001', { currency: 'USD' }),
        // Bought before detection: last activity 20 s ago, order placed a second ago.
        abandoned(OPEN, 'c1', '+34600000003', { occurredAt: new Date(Date.now() - 20_000) }),
        abandoned(OPEN, 'c1', '+34600000003', { occurredAt: new Date(Date.now() - 1000), type: 'cart.converted' }),
        abandoned(OPEN, 'd1', '+34600000004'),
        abandoned(OPEN, 'e1', '+34600000005'),
      ]);
    });

    afterAll(async () => {
      await watcher?.stop();
    });

    it('store open now: exactly one message at dueAt, with the store name, the products and the link', async () => {
      const message = await exactlyOneMessage('+34600000001');
      // The send-due went out before the message: read every record published so far.
      await watcher.caughtUp();
      const [due] = sendDueOf(OPEN, 'a1');
      expect(due).toBeDefined();
      expect(sendDueOf(OPEN, 'a1').every((d) => d.sendId === due.sendId)).toBe(true);
      expect(message.phoneNumberId).toBe(OPEN_NUMBER);
      expect(message.bizOpaqueCallbackData).toBe(due.sendId);
      expect(message.text).toContain('Zapatería Lola');
      expect(message.text).toContain('Zapatillas Lola');
      expect(message.text).toContain('Calcetines de lana');
      expect(message.text).toContain('https://shop.example/open-store/cart/recover/a1');
      // dueAt is the detection (no delay, open): in the past on arrival, so "at dueAt" means promptly.
      const dueAt = Date.parse(String(due.dueAt));
      expect(message.acceptedAt).toBeGreaterThanOrEqual(dueAt);
      expect(message.acceptedAt - Math.max(dueAt, t0)).toBeLessThan(30_000);
    });

    it('duplicates and out-of-order events at ingest: still exactly one message per cart, newest state wins', async () => {
      const producer = await platformProducer(pipeline.kafkaBrokers);
      try {
        const carts = ['f1', 'f2', 'f3', 'f4', 'f5'];
        const events = carts.flatMap((cartId, i) => {
          const phone = `+3460000010${i}`;
          const older = abandoned(OPEN, cartId, phone, {
            occurredAt: new Date(Date.now() - ABANDONED_AGO_MS - 30_000),
            items: [{ sku: 'OLD-1', title: 'Producto antiguo', quantity: 1, unitPrice: '10.00' }],
          });
          const newer = abandoned(OPEN, cartId, phone);
          return [newer, older, newer, older];
        });
        // Both doors at once, each event at least twice.
        await postCartEvents(pipeline, events);
        await producer.send({
          topic: pipeline.topics.cartEventsRaw,
          acks: -1,
          messages: events.map((e) => ({ key: cartKey(OPEN, String(e.cartId)), value: JSON.stringify(e) })),
        });
        for (const [i, cartId] of carts.entries()) {
          const message = await exactlyOneMessage(`+3460000010${i}`);
          expect(message.text).toContain('Zapatillas Lola');
          expect(message.text).not.toContain('Producto antiguo');
          await watcher.caughtUp();
          expect(new Set(sendDueOf(OPEN, cartId).map((d) => d.sendId)).size).toBe(1);
        }
        // Let late duplicates through the pipeline, then count again.
        await sleep(5000);
        for (let i = 0; i < carts.length; i++) expect(await messagesTo(`+3460000010${i}`)).toHaveLength(1);
      } finally {
        await producer.disconnect();
      }
    });

    it('bought after the message: recovered revenue in the stats', async () => {
      await exactlyOneMessage('+34600000004');
      await postCartEvents(pipeline, [
        abandoned(OPEN, 'd1', '+34600000004', { occurredAt: new Date(), type: 'cart.converted', orderId: 'LOLA-1' }),
      ]);
      const stats = await eventually(
        () =>
          apiGet<{ recovered: number; recoveredRevenue: Record<string, string> }>(
            pipeline,
            'scheduler',
            `/v1/stores/${OPEN}/stats`,
          ),
        (r) => (r.body?.recovered ?? 0) >= 1,
        30_000,
      );
      expect(stats.status).toBe(200);
      expect(stats.body!.recovered).toBe(1);
      expect(Number(stats.body!.recoveredRevenue.EUR)).toBe(68.9);
    });

    it('opt-out by reply: no further messages for that shopper', async () => {
      const first = await exactlyOneMessage('+34600000005');
      await pipeline.simulator.reply(first.to, 'BAJA');
      await eventually(
        async () => watcher.of(pipeline.topics.messageOutcomes).filter((r) => r.value?.type === 'customer.opted-out'),
        (o) => o.some((r) => digits(String(r.value!.phone)) === digits('+34600000005')),
        30_000,
      );
      await postCartEvents(pipeline, [abandoned(OPEN, 'e2', '+34600000005')]);
      // Her new cart is abandoned on arrival; give the pipeline the time a message would take.
      await sleep(20_000);
      expect(await messagesTo('+34600000005')).toHaveLength(1);
    });

    it('bought before the message: no message', async () => {
      // c1 would have been abandoned 40 s after its last activity; the first test's message took seconds.
      await sleep(Math.max(0, t0 + 45_000 - Date.now()));
      expect(await messagesTo('+34600000003')).toHaveLength(0);
      await watcher.caughtUp();
      expect(sendDueOf(OPEN, 'c1')).toHaveLength(0);
    });

    it('store closed now: dueAt is the next opening, and nothing reaches WhatsApp before it', async () => {
      const [due] = await eventually(
        async () => sendDueOf(CLOSED, 'b1'),
        (d) => d.length > 0,
        Math.max(30_000, opensAt.getTime() - Date.now() + 30_000),
      );
      expect(due).toBeDefined();
      expect(Date.parse(String(due.dueAt))).toBe(opensAt.getTime());
      // send-due is emitted at dueAt, so it only exists after the opening too.
      const message = await exactlyOneMessage(
        '+16467120001',
        Math.max(30_000, opensAt.getTime() - Date.now() + 30_000),
      );
      const attempts = await pipeline.simulator.attempts({ to: digits('+16467120001') });
      expect(attempts.every((a) => a.receivedAt >= opensAt.getTime())).toBe(true);
      expect(message.acceptedAt).toBeGreaterThanOrEqual(opensAt.getTime());
      expect(message.acceptedAt - opensAt.getTime()).toBeLessThan(30_000);
      expect(message.phoneNumberId).toBe(CLOSED_NUMBER);
      expect(message.text).toContain('Brooklyn Bikes');
    });
  });
}
