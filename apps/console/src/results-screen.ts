/// <reference lib="dom" />
// Results: over a period of the store's days, what the scheduler's stats say became of the
// carts abandoned then (asked through ingest's console API, once for the period and once per
// day for the chart): sales won back per currency, the funnel, why some got no message.
import type { ConsoleApi } from './api';
import { debounce, el, svg } from './dom';
import type { Language, Words } from './i18n';
import { type Holdout, liftSentence, liftVerdict, points } from './lift';
import { addDays, dayOf, daysBetween, formatDay, zonedInstant } from './zoned-time';

/** The scheduler's StoreStats (libs/contracts), the fields the screen shows. */
export interface Stats {
  from: string;
  to: string;
  abandoned: number;
  pending: number;
  cancelled: number;
  sent: number;
  delivered: number;
  read: number;
  /** Messages whose tracked link was clicked (absent from a scheduler before click tracking). */
  clicked?: number;
  failed: number;
  expired: number;
  skipped: { total: number; byReason: Record<string, number> };
  recovered: number;
  recoveredRevenue: Record<string, string>;
  recoveryRate: number;
  /** Present when the store ran a holdout over the window. */
  holdout?: Holdout;
}

export interface ResultsState {
  timezone: string;
  /** Store days, both included (YYYY-MM-DD). */
  from: string;
  to: string;
}

/** The chart asks once per day: a period longer than this is refused before asking. */
export const MAX_PERIOD_DAYS = 92;
const PRESETS = [7, 30, 90];

export function defaultPeriod(timezone: string, days = 30): { from: string; to: string } {
  const today = dayOf(new Date(), timezone);
  return { from: addDays(today, 1 - days), to: today };
}

export function resultsScreen(api: ConsoleApi, words: Words, language: Language, state: ResultsState): HTMLElement {
  const body = el('div', { 'data-test': 'results', 'aria-busy': 'true' });
  const periodProblem = el('div', { 'data-problems': 'period' });
  const number = new Intl.NumberFormat(language);
  const percent = new Intl.NumberFormat(language, { style: 'percent', maximumFractionDigits: 1 });
  let generation = 0;

  const windowOf = (from: string, to: string) => {
    const start = zonedInstant(from, state.timezone);
    const end = zonedInstant(addDays(to, 1), state.timezone);
    return start && end
      ? `from=${encodeURIComponent(start.toISOString())}&to=${encodeURIComponent(end.toISOString())}`
      : '';
  };

  const load = debounce(async () => {
    const mine = ++generation;
    const days = daysBetween(state.from, state.to);
    periodProblem.replaceChildren();
    if (!state.from || !state.to || state.from > state.to) return refuse(words.periodOrder);
    if (days.length > MAX_PERIOD_DAYS) return refuse(words.periodTooLong.replace('{n}', String(MAX_PERIOD_DAYS)));
    body.setAttribute('aria-busy', 'true');
    const total = await api.call<Stats>('GET', `stats?${windowOf(state.from, state.to)}`);
    if (mine !== generation) return;
    // The API's own words are for the platform (503: no CONSOLE_SCHEDULER_URL here); the merchant reads ours.
    if (!total.ok) return refuse(words.statsUnavailable, body);
    const daily = await eachDay(days, (day) => api.call<Stats>('GET', `stats?${windowOf(day, day)}`));
    if (mine !== generation) return;
    body.replaceChildren(...draw(total.value, days, daily));
    body.setAttribute('aria-busy', 'false');
  }, 200);

  function refuse(text: string, where: HTMLElement = periodProblem): void {
    where.replaceChildren(el('p', { class: 'problem' }, text));
    if (where === periodProblem) body.replaceChildren();
    body.setAttribute('aria-busy', 'false');
  }

  function money(amount: string, currency: string): string {
    try {
      return new Intl.NumberFormat(language, { style: 'currency', currency }).format(Number(amount));
    } catch {
      return `${amount} ${currency}`;
    }
  }

  function draw(stats: Stats, days: string[], daily: Array<Stats | undefined>): HTMLElement[] {
    const currencies = Object.keys(stats.recoveredRevenue).sort();
    const wonBack = el(
      'section',
      { 'aria-labelledby': 'won-title', class: 'cards' },
      el('h2', { id: 'won-title' }, words.wonBack),
      currencies.length === 0
        ? el('p', { class: 'note' }, words.nothingWonBack)
        : el(
            'ul',
            { class: 'won' },
            ...currencies.map((c) =>
              // The code too: "$" alone could be any of several dollars or pesos.
              el(
                'li',
                { 'data-currency': c },
                el('strong', {}, money(stats.recoveredRevenue[c], c)),
                ' ',
                el('span', { class: 'code' }, c),
              ),
            ),
          ),
      el(
        'p',
        { 'data-test': 'recovered' },
        words.recoveredCarts
          .replace('{n}', number.format(stats.recovered))
          .replace('{rate}', percent.format(stats.recoveryRate)),
      ),
    );

    const steps: Array<[keyof Words['funnel'], number]> = [
      ['abandoned', stats.abandoned],
      ['sent', stats.sent],
      ['delivered', stats.delivered],
      ['read', stats.read],
      ...(stats.clicked === undefined ? [] : [['clicked', stats.clicked] as [keyof Words['funnel'], number]]),
      ['recovered', stats.recovered],
    ];
    const funnel = el(
      'section',
      { 'aria-labelledby': 'funnel-title' },
      el('h2', { id: 'funnel-title' }, words.funnelTitle),
      el(
        'ol',
        { class: 'funnel' },
        ...steps.map(([step, n]) => {
          const share = stats.abandoned === 0 ? 0 : n / stats.abandoned;
          return el(
            'li',
            { 'data-step': step },
            el('span', { class: 'step' }, words.funnel[step]),
            el('span', { class: 'count' }, number.format(n)),
            el('span', { class: 'share' }, step === 'abandoned' ? '' : percent.format(share)),
            bar(share),
          );
        }),
      ),
    );

    const reasons: Array<[string, number]> = [
      ...Object.entries(stats.skipped.byReason).map(([code, n]): [string, number] => [reasonWords(code, words), n]),
      [words.notSent.cancelled, stats.cancelled],
      [words.notSent.expired, stats.expired],
      [words.notSent.failed, stats.failed],
      [words.notSent.pending, stats.pending],
    ];
    const merged = new Map<string, number>();
    for (const [text, n] of reasons) if (n > 0) merged.set(text, (merged.get(text) ?? 0) + n);
    const notSent = el(
      'section',
      { 'aria-labelledby': 'reasons-title' },
      el('h2', { id: 'reasons-title' }, words.reasonsTitle),
      merged.size === 0
        ? el('p', { class: 'note' }, words.noReasons)
        : el(
            'ul',
            { class: 'reasons', 'data-test': 'reasons' },
            ...[...merged]
              .sort((a, b) => b[1] - a[1])
              .map(([text, n]) => el('li', {}, el('span', {}, text), el('span', { class: 'count' }, number.format(n)))),
          ),
    );
    return [wonBack, ...(stats.holdout ? [lift(stats.holdout)] : []), funnel, chart(days, daily), notSent];
  }

  /** The holdout's lift: both arms' share of carts bought, the difference with its interval, one sentence. */
  function lift(holdout: Holdout): HTMLElement {
    const interval = holdout.lift.absoluteInterval;
    const arm = (label: string, a: Holdout['treated']) =>
      el(
        'li',
        {},
        el('span', { class: 'step' }, label),
        ' ',
        el('strong', {}, percent.format(a.conversionRate)),
        ' ',
        el('span', { class: 'note' }, words.liftCarts.replace('{n}', number.format(a.carts))),
      );
    return el(
      'section',
      { 'aria-labelledby': 'lift-title', 'data-test': 'lift', 'data-verdict': liftVerdict(holdout) },
      el('h2', { id: 'lift-title' }, words.liftTitle),
      el('ul', { class: 'won' }, arm(words.liftHeldOut, holdout.heldOut), arm(words.liftTreated, holdout.treated)),
      holdout.lift.absolute !== null && interval
        ? el(
            'p',
            { 'data-test': 'lift-figure' },
            el('strong', {}, words.liftPoints.replace('{n}', points(holdout.lift.absolute, language))),
            ' · ',
            words.liftInterval
              .replace('{low}', points(interval.low, language))
              .replace('{high}', points(interval.high, language)),
          )
        : null,
      el('p', { 'data-test': 'lift-sentence' }, liftSentence(holdout, words, language)),
      el('p', { class: 'note' }, words.liftNote),
    );
  }

  function chart(days: string[], daily: Array<Stats | undefined>): HTMLElement {
    const width = 480;
    const height = 220;
    const left = 36;
    const bottom = 24;
    const plot = height - bottom - 8;
    const max = Math.max(1, ...daily.map((d) => d?.abandoned ?? 0));
    const slot = (width - left) / days.length;
    // Side by side, one bar a series, so a day whose every message won a sale still shows both.
    const barWidth = Math.max(1, Math.min(28, (slot * 0.8) / 3));
    const y = (n: number) => 8 + plot - (n / max) * plot;
    const series: Array<[keyof Words['funnel'], string]> = [
      ['abandoned', 'bar-abandoned'],
      ['sent', 'bar-sent'],
      ['recovered', 'bar-recovered'],
    ];
    const labelEvery = Math.ceil(days.length / 6);
    const dayLabel = (day: string) => formatDay(day, language, { day: 'numeric', month: 'short' });
    const drawing = svg(
      'svg',
      { viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-labelledby': 'chart-title', class: 'chart' },
      svg('line', { x1: left, x2: width, y1: y(0), y2: y(0), class: 'axis' }),
      svg('text', { x: left - 6, y: y(max) + 4, 'text-anchor': 'end', class: 'tick' }, number.format(max)),
      svg('text', { x: left - 6, y: y(0) + 4, 'text-anchor': 'end', class: 'tick' }, '0'),
      ...days.flatMap((day, i) => {
        const d = daily[i];
        const x = left + i * slot + (slot - barWidth * 3) / 2;
        const bars = series.map(([key, cls], k) => {
          const n = d ? (d[key] as number) : 0;
          return svg('rect', {
            x: x + k * barWidth,
            y: y(n),
            width: barWidth,
            height: y(0) - y(n),
            class: cls,
            'data-day': day,
            'data-series': key,
          });
        });
        const label =
          i % labelEvery === 0
            ? [
                svg(
                  'text',
                  { x: x + (barWidth * 3) / 2, y: height - 6, 'text-anchor': 'middle', class: 'tick' },
                  dayLabel(day),
                ),
              ]
            : [];
        return [...bars, ...label];
      }),
    );
    const legend = el(
      'ul',
      { class: 'legend' },
      ...series.map(([key, cls]) =>
        el(
          'li',
          {},
          svg(
            'svg',
            { viewBox: '0 0 10 10', class: 'swatch', 'aria-hidden': 'true' },
            svg('rect', { width: 10, height: 10, class: cls }),
          ),
          words.funnel[key],
        ),
      ),
    );
    const table = el(
      'table',
      { 'data-test': 'daily' },
      el('caption', {}, words.chartTable),
      el(
        'thead',
        {},
        el(
          'tr',
          {},
          el('th', { scope: 'col' }, words.day),
          ...series.map(([key]) => el('th', { scope: 'col' }, words.funnel[key])),
          el('th', { scope: 'col' }, words.wonBack),
        ),
      ),
      el(
        'tbody',
        {},
        ...days.map((day, i) => {
          const d = daily[i];
          const revenue = d
            ? Object.entries(d.recoveredRevenue)
                .map(([c, v]) => money(v, c))
                .join(' · ')
            : '';
          return el(
            'tr',
            { 'data-day': day },
            el('th', { scope: 'row' }, formatDay(day, language, { weekday: 'short', day: 'numeric', month: 'short' })),
            ...series.map(([key]) => el('td', { 'data-series': key }, d ? number.format(d[key] as number) : '–')),
            el('td', { 'data-series': 'revenue' }, revenue),
          );
        }),
      ),
    );
    return el(
      'section',
      { 'aria-labelledby': 'chart-title' },
      el('h2', { id: 'chart-title' }, words.chartTitle),
      drawing,
      legend,
      el('details', {}, el('summary', {}, words.chartTable), table),
    );
  }

  const setPeriod = (from: string, to: string) => {
    state.from = from;
    state.to = to;
    fromInput.value = from;
    toInput.value = to;
    load();
  };
  const fromInput = el('input', {
    type: 'date',
    id: 'results-from',
    value: state.from,
    onchange: (e) => ((state.from = (e.target as HTMLInputElement).value), load()),
  });
  const toInput = el('input', {
    type: 'date',
    id: 'results-to',
    value: state.to,
    onchange: (e) => ((state.to = (e.target as HTMLInputElement).value), load()),
  });
  const presets = el(
    'select',
    {
      id: 'results-preset',
      onchange: (e) => {
        const n = Number((e.target as HTMLSelectElement).value);
        if (n) setPeriod(defaultPeriod(state.timezone, n).from, defaultPeriod(state.timezone, n).to);
      },
    },
    el('option', { value: '' }, words.periodCustom),
    ...PRESETS.map((n) => el('option', { value: String(n) }, words.periodLast.replace('{n}', String(n)))),
  );
  load();
  return el(
    'div',
    {},
    el(
      'fieldset',
      { class: 'period' },
      el('legend', {}, words.period),
      el('label', { for: 'results-preset' }, words.periodQuick),
      ' ',
      presets,
      ' ',
      el('label', { for: 'results-from' }, words.from),
      ' ',
      fromInput,
      ' ',
      el('label', { for: 'results-to' }, words.to),
      ' ',
      toInput,
      periodProblem,
      el('p', { class: 'note' }, words.periodNote),
    ),
    body,
  );
}

/** A share (0–1) as a bar. */
function bar(share: number): SVGElement {
  return svg(
    'svg',
    { viewBox: '0 0 100 8', preserveAspectRatio: 'none', class: 'share-bar', 'aria-hidden': 'true' },
    svg('rect', { width: 100, height: 8, class: 'bar-track' }),
    svg('rect', { width: Math.round(Math.min(1, share) * 1000) / 10, height: 8, class: 'bar-recovered' }),
  );
}

/** Why a cart got no message, as the merchant would say it; the code itself for one we do not know. */
export function reasonWords(code: string, words: Words): string {
  if (code.startsWith('render-error')) return words.reasons['render-error'];
  return words.reasons[code] ?? `${words.reasons.other} (${code})`;
}

/** Every day's stats, six questions at a time (a browser's connections to one origin). */
async function eachDay(
  days: string[],
  ask: (day: string) => Promise<{ ok: true; value: Stats } | { ok: false; problems: string[] }>,
): Promise<Array<Stats | undefined>> {
  const out: Array<Stats | undefined> = new Array(days.length);
  let next = 0;
  const worker = async () => {
    while (next < days.length) {
      const i = next++;
      const answer = await ask(days[i]);
      out[i] = answer.ok ? answer.value : undefined;
    }
  };
  await Promise.all(Array.from({ length: Math.min(6, days.length) }, worker));
  return out;
}
