/**
 * The demo's last part: what the messages win, measured honestly. A third store holds out half
 * of its shoppers (experiments.holdoutPercent 50) and tracks its links (links.baseUrl): one
 * shopper is messaged, opens the link (GET /r/{token} on ingest) and buys; one is held out and
 * gets nothing. The stats API then shows the held-out cart, the click, the order attributed
 * after the click, and the lift against the holdout (too small to conclude, as two carts are).
 * Only the product's real settings and public routes are used.
 */
import type { StoreSettings } from '@lib/contracts';
import { maskPhone } from '@lib/observability';
import { armOf } from '../../apps/scheduler/src/experiments/holdout';
import { apiGet, cartEvent, Pipeline, postCartEvents, putStore } from '../../test/support/pipeline';
import { bold, cyan, dim, Display, green, red, yellow } from './display';
import { demoStores, MADRID } from './scenario';

export const HONEST = 'mercado-ana';
/** The development key docker-compose gives the scheduler (not a secret). */
export const DEMO_EXPERIMENT_KEY = 'development-holdout-key-not-a-secret';
/** The development keyring docker-compose gives ingest and the sender (not a secret). */
export const DEMO_LINK_SIGNING_KEYS = 'links-dev:bG9jYWwtbGlua3MtZGV2LWtleS1ub3QtYS1zZWNyZXQ=';
/** The public base of the store's tracked links; the demo asks ingest's /r/ route itself, as that host would. */
const LINKS_BASE = 'https://enlaces.mercado-ana.example';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface HoldoutView {
  treated: { carts: number; converted: number; conversionRate: number };
  heldOut: { carts: number; converted: number; conversionRate: number };
  lift: { absolute: number | null; absoluteInterval: { low: number; high: number } | null };
}
interface Stats {
  abandoned: number;
  sent: number;
  clicked: number;
  recovered: number;
  holdout?: HoldoutView;
  attribution?: { recoveredAfterClick: { orders: number; revenue: Record<string, string> } };
}

/** Zapatería Lola's settings (open now in Madrid, no send delay), with a holdout and tracked links. */
export function honestStore(now: Date): StoreSettings {
  const madrid = demoStores(now).stores.find((st) => st.storeId === MADRID)!;
  return {
    ...madrid,
    storeId: HONEST,
    name: 'Mercado Ana',
    experiments: { holdoutPercent: 50, period: 'demo' },
    links: { baseUrl: LINKS_BASE },
  };
}

/** The first phone of the series whose shopper falls in `arm` (the draw is the scheduler's own). */
function phoneIn(arm: 'treated' | 'holdout', experiments: StoreSettings['experiments'], from: number): string {
  for (let i = from; ; i++) {
    const phone = `+3467${String(i).padStart(7, '0')}`;
    if (armOf(DEMO_EXPERIMENT_KEY, experiments, HONEST, phone) === arm) return phone;
  }
}

const digits = (p: string) => p.replace(/\D/g, '');

/** Runs the part; returns the problems it met (empty: everything shown happened). */
export async function showHonestRecovery(pipeline: Pipeline, display: Display, timeoutMs = 120_000): Promise<string[]> {
  const problems: string[] = [];
  const settings = honestStore(new Date());
  display.block(`\n${bold('What the messages win, measured')} (a holdout and a tracked link)`);
  try {
    await putStore(pipeline, settings);
  } catch (error) {
    return [`store ${HONEST} not created: ${(error as Error).message}`];
  }
  display.line(
    `${green('store created')}  ${bold(settings.name)} — holds out 50% of its shoppers (experiments.holdoutPercent), ` +
      `tracked links under ${LINKS_BASE}/r/…`,
  );
  await sleep(2500); // the scheduler and the sender read store-settings on their own
  const carmen = phoneIn('treated', settings.experiments, 1000);
  const pablo = phoneIn('holdout', settings.experiments, 1000);
  const ago = new Date(Date.now() - 40_000);
  const carts = [
    { cartId: 'm-3001', phone: carmen, firstName: 'Carmen', who: 'Carmen (messaged)' },
    { cartId: 'm-3002', phone: pablo, firstName: 'Pablo', who: 'Pablo (held out)' },
  ];
  await postCartEvents(
    pipeline,
    carts.map((c) =>
      cartEvent({
        storeId: HONEST,
        cartId: c.cartId,
        phone: c.phone,
        firstName: c.firstName,
        locale: 'es-ES',
        occurredAt: ago,
        items: [{ sku: 'ACE-1', title: 'Aceite de oliva virgen extra', quantity: 2, unitPrice: '12.95' }],
      }),
    ),
  );
  for (const c of carts)
    display.line(`${cyan('→')} cart.updated     ${c.cartId} ${c.who.padEnd(18)} ${dim(maskPhone(c.phone))}`);

  const deadline = Date.now() + timeoutMs;
  // Carmen's message, with the store's tracked link in it.
  let link: string | undefined;
  while (!link && Date.now() < deadline) {
    const messages = await pipeline.simulator.messages().catch(() => []);
    const toCarmen = messages.find((m) => digits(m.to) === digits(carmen));
    link = toCarmen?.text
      ?.match(/https:\/\/enlaces\.mercado-ana\.example\/r\/[A-Za-z0-9_.-]+/)?.[0]
      ?.replace(/\.$/, '');
    if (toCarmen && !link) problems.push('the message to the messaged shopper carries no tracked link');
    if (toCarmen) break;
    await sleep(1000);
  }
  if (!link) return [...problems, 'no message reached the messaged shopper in time'];
  display.line(`${green('✉ WhatsApp')} ${maskPhone(carmen)} (Carmen) with the link ${cyan(link)}`);

  // She opens it: the public link host forwards to ingest's /r/{token}.
  const path = new URL(link).pathname;
  const res = await fetch(`${pipeline.url('ingest')}${path}`, {
    redirect: 'manual',
    headers: { 'user-agent': 'Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 Chrome/126 Mobile Safari/537.36' },
  });
  const location = res.headers.get('location') ?? '';
  if (res.status === 302 && location.includes('utm_source=whatsapp')) {
    display.line(`${green('click')}      Carmen opens it: 302 to ${dim(location)}`);
  } else problems.push(`GET ${path} answered ${res.status} ${location}`);

  // …and buys. Pablo, held out, hears nothing and does not buy.
  await sleep(2000);
  await postCartEvents(pipeline, [
    cartEvent({
      storeId: HONEST,
      cartId: 'm-3001',
      phone: carmen,
      type: 'cart.converted',
      occurredAt: new Date(),
      orderId: 'order-m-3001',
      items: [{ sku: 'ACE-1', title: 'Aceite de oliva virgen extra', quantity: 2, unitPrice: '12.95' }],
    }),
  ]);
  display.line(`${cyan('→')} cart.converted   m-3001 Carmen buys (25.90 EUR)`);

  let stats: Stats | undefined;
  while (Date.now() < deadline) {
    stats = (await apiGet<Stats>(pipeline, 'scheduler', `/v1/stores/${HONEST}/stats`).catch(() => undefined))?.body;
    const ready =
      stats?.holdout &&
      stats.holdout.heldOut.carts >= 1 &&
      stats.holdout.treated.converted >= 1 &&
      stats.clicked >= 1 &&
      (stats.attribution?.recoveredAfterClick.orders ?? 0) >= 1;
    if (ready) break;
    await sleep(1000);
  }
  const messagesToPablo = (await pipeline.simulator.messages().catch(() => [])).filter(
    (m) => digits(m.to) === digits(pablo),
  );
  if (messagesToPablo.length === 0)
    display.line(`${green('held out')}   Pablo ${dim(maskPhone(pablo))}: no message, as drawn`);
  else problems.push(`the held-out shopper got ${messagesToPablo.length} message(s)`);
  const h = stats?.holdout;
  if (!stats || !h) return [...problems, 'the stats never showed the holdout'];
  const pct = (x: number) => `${(x * 100).toFixed(0)}%`;
  display.block(
    [
      `${bold('Stats')} (GET /v1/stores/${HONEST}/stats): ${stats.sent} sent, ${stats.clicked} clicked, ` +
        `${stats.recovered} recovered, ${stats.attribution?.recoveredAfterClick.orders ?? 0} after a click ` +
        `(${JSON.stringify(stats.attribution?.recoveredAfterClick.revenue ?? {})})`,
      `  with a message: ${h.treated.carts} cart(s), ${h.treated.converted} bought (${pct(h.treated.conversionRate)}); ` +
        `held out: ${h.heldOut.carts} cart(s), ${h.heldOut.converted} bought (${pct(h.heldOut.conversionRate)})`,
      `  lift ${h.lift.absolute === null ? 'n/a' : `${(h.lift.absolute * 100).toFixed(0)} points`}` +
        (h.lift.absoluteInterval
          ? `, 95% interval ${(h.lift.absoluteInterval.low * 100).toFixed(0)} to ${(h.lift.absoluteInterval.high * 100).toFixed(0)} points`
          : '') +
        dim(' — two carts are far too few to conclude: the interval says so (docs/reading-the-figures.md)'),
    ].join('\n'),
  );
  if (stats.clicked < 1) problems.push('the click was not counted');
  if ((stats.attribution?.recoveredAfterClick.orders ?? 0) < 1)
    problems.push('the order was not attributed after the click');
  for (const p of problems) display.line(`${red('✗')} ${p}`);
  if (problems.length === 0)
    display.line(yellow('  (the held-out cart was recorded at the time its message would have gone)'));
  return problems;
}
