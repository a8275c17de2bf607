/// <reference lib="dom" />
// Opening hours: the weekly editor, the time zone and closed dates (a list and a calendar),
// with the admin API's problems next to their field; beside it, live from send-preview: "a
// cart abandoned at … is messaged at …" and the week strip of when messages can go out.
import type { ConsoleApi } from './api';
import { debounce, el, svg } from './dom';
import type { Language, Words } from './i18n';
import { sendWindows, type SendPreview, type SendWindows } from './send-windows';
import {
  addDays,
  clockOf,
  dayOf,
  daysBetween,
  formatDay,
  formatWhen,
  wallTime,
  weekdayOf,
  zonedInstant,
} from './zoned-time';

const DAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
type Hours = Record<(typeof DAYS)[number], Array<[string, string]>>;

export interface HoursState {
  timezone: string;
  openingHours: Hours;
  closedDates: string[];
}

const MINUTES_A_DAY = 1440;

export function hoursScreen(api: ConsoleApi, words: Words, language: Language, state: HoursState): HTMLElement {
  let problems: string[] = [];
  let generation = 0;
  const root = el('div', { class: 'columns' });
  const editor = el('div');
  const status = el('p', { class: 'status', role: 'status' });
  const sentence = el('p', { 'data-test': 'send-preview' });
  const strip = el('div', { 'data-test': 'week-strip', 'aria-busy': 'true' });
  const abandoned = el('input', {
    type: 'datetime-local',
    id: 'abandoned-at',
    value: wallTime(new Date(), state.timezone),
    oninput: () => preview(),
  });
  let month = (
    state.closedDates.find((d) => d >= dayOf(new Date(), state.timezone)) ?? dayOf(new Date(), state.timezone)
  ).slice(0, 7);

  const changes = () => ({
    timezone: state.timezone,
    openingHours: state.openingHours,
    closedDates: state.closedDates,
  });
  // The admin API names each problem's field first ("openingHours.mon[1]: …"); `own`: that
  // field itself only, its parts shown next to their own fields.
  const problemsOf = (field: string, own = false) =>
    el(
      'div',
      { 'data-problems': field },
      ...problems
        .filter((p) => p.startsWith(`${field}:`) || (!own && (p.startsWith(`${field}.`) || p.startsWith(`${field}[`))))
        .map((p) => el('p', { class: 'problem' }, p)),
    );

  const ask = async (detectedAt: Date) => {
    const answer = await api.call<SendPreview>('POST', 'send-preview', {
      detectedAt: detectedAt.toISOString(),
      changes: changes(),
    });
    return answer;
  };

  const preview = debounce(async () => {
    const mine = ++generation;
    const at = zonedInstant(abandoned.value, state.timezone);
    if (!at) return;
    const answer = await ask(at);
    if (mine !== generation) return;
    problems = answer.ok ? [] : answer.problems;
    draw();
    if (!answer.ok) {
      strip.replaceChildren();
      return (sentence.textContent = words.fixProblems);
    }
    const when = (iso: string) => formatWhen(new Date(iso), state.timezone, language);
    sentence.textContent =
      answer.value.outcome === 'send'
        ? `${words.abandonedAt} ${when(at.toISOString())} ${words.messagedAt} ${when(answer.value.sendAt!)}.`
        : `${words.abandonedAt} ${when(at.toISOString())} ${words.expires}.`;
    if (!answer.value.enabled) sentence.textContent += ` ${words.storeDisabled}`;
    strip.setAttribute('aria-busy', 'true');
    const day = dayOf(at, state.timezone);
    const week = await sendWindows(
      zonedInstant(day, state.timezone)!.getTime(),
      zonedInstant(addDays(day, 7), state.timezone)!.getTime(),
      answer.value,
      async (detectedAt) => {
        const asked = await ask(detectedAt);
        return asked.ok ? asked.value : undefined;
      },
    );
    if (mine !== generation || !week) return;
    drawWeek(week, day);
    strip.setAttribute('aria-busy', 'false');
  }, 250);

  function drawWeek(week: SendWindows, startDay: string): void {
    const rows = daysBetween(startDay, addDays(startDay, 6)).map((day) => {
      const from = zonedInstant(day, state.timezone)!.getTime();
      const to = zonedInstant(addDays(day, 1), state.timezone)!.getTime();
      const x = (t: number) => ((t - from) / (to - from)) * MINUTES_A_DAY;
      const clock = (t: number) => (t >= to ? '24:00' : clockOf(new Date(t), state.timezone));
      const parts = week.windows
        .filter(([a, b]) => b > from && a < to)
        .map(([a, b]): [number, number] => [Math.max(a, from), Math.min(b, to)]);
      const marks = week.expiring.filter((e) => e.at >= from && e.at < to);
      const times =
        parts.length === 0
          ? words.weekClosed
          : parts.length === 1 && parts[0][0] === from && parts[0][1] === to
            ? words.weekAllOpen
            : parts.map(([a, b]) => `${clock(a)}–${clock(b)}`).join(' · ');
      return el(
        'li',
        { 'data-day': day, 'data-expires': marks.length > 0 ? 'true' : undefined },
        el(
          'span',
          { class: 'strip-day' },
          formatDay(day, language, { weekday: 'short', day: 'numeric', month: 'short' }),
        ),
        svg(
          'svg',
          { viewBox: `0 0 ${MINUTES_A_DAY} 24`, preserveAspectRatio: 'none', class: 'strip', 'aria-hidden': 'true' },
          svg('rect', { width: MINUTES_A_DAY, height: 24, class: 'strip-closed' }),
          ...parts.map(([a, b]) => svg('rect', { x: x(a), width: x(b) - x(a), height: 24, class: 'strip-open' })),
          ...[360, 720, 1080].map((m) => svg('line', { x1: m, x2: m, y1: 0, y2: 24, class: 'strip-hour' })),
          ...marks.map((e) => svg('rect', { x: x(e.at), width: 14, height: 24, class: 'strip-expires' })),
        ),
        el('span', { class: 'strip-times' }, times),
      );
    });
    const when = (t: number) => formatWhen(new Date(t), state.timezone, language);
    strip.replaceChildren(
      el('ol', { class: 'week' }, ...rows),
      ...week.expiring.map((e) =>
        el(
          'p',
          { class: 'expires', 'data-test': 'expires' },
          words.weekExpires.replace('{at}', when(e.at)).replace('{until}', when(e.notAfter)),
        ),
      ),
    );
  }

  const changed = () => {
    status.textContent = '';
    draw();
    preview();
  };

  const save = async () => {
    status.textContent = words.saving;
    const answer = await api.call('PUT', 'settings', changes());
    problems = answer.ok ? [] : answer.problems;
    draw();
    status.textContent = answer.ok ? words.saved : words.fixProblems;
  };

  function dayEditor(day: (typeof DAYS)[number], index: number): HTMLElement {
    const intervals = state.openingHours[day];
    const name = words.days[index];
    return el(
      'fieldset',
      { 'data-day': day },
      el('legend', {}, name),
      intervals.length === 0 ? el('p', { class: 'note' }, words.closedDay) : null,
      ...intervals.map((interval, i) =>
        el(
          'div',
          { class: 'interval' },
          el('label', { for: `${day}-${i}-from` }, words.from),
          el('input', {
            type: 'time',
            id: `${day}-${i}-from`,
            value: interval[0],
            onchange: (e) => ((interval[0] = (e.target as HTMLInputElement).value), changed()),
          }),
          el('label', { for: `${day}-${i}-to` }, words.to),
          el('input', {
            type: 'time',
            id: `${day}-${i}-to`,
            value: interval[1] === '24:00' ? '23:59' : interval[1],
            onchange: (e) => ((interval[1] = (e.target as HTMLInputElement).value), changed()),
          }),
          el(
            'button',
            {
              type: 'button',
              'aria-label': `${words.remove}: ${name} ${interval[0]}–${interval[1]}`,
              onclick: () => (intervals.splice(i, 1), changed()),
            },
            words.remove,
          ),
        ),
      ),
      el(
        'button',
        {
          type: 'button',
          'aria-label': `${words.addInterval}: ${name}`,
          onclick: () => (intervals.push(['09:00', '14:00']), changed()),
        },
        words.addInterval,
      ),
      problemsOf(`openingHours.${day}`),
    );
  }

  /** A month of the calendar: each day a toggle, pressed when the store is closed that day. */
  function calendar(): HTMLElement {
    const first = `${month}-01`;
    const last = addDays(`${addDays(first, 31).slice(0, 7)}-01`, -1);
    const cells: Array<HTMLElement> = Array.from({ length: weekdayOf(first) }, () => el('td', {}));
    for (const day of daysBetween(first, last)) {
      const closed = state.closedDates.includes(day);
      cells.push(
        el(
          'td',
          {},
          el(
            'button',
            {
              type: 'button',
              id: `cal-${day}`,
              class: closed ? 'day closed' : 'day',
              'aria-pressed': String(closed),
              'aria-label': `${formatDay(day, language, { weekday: 'long', day: 'numeric', month: 'long' })}: ${closed ? words.closedMark : words.openMark}`,
              onclick: () => {
                if (closed) state.closedDates.splice(state.closedDates.indexOf(day), 1);
                else state.closedDates.push(day);
                state.closedDates.sort();
                changed();
              },
            },
            String(Number(day.slice(8))),
          ),
        ),
      );
    }
    const weeks: HTMLElement[] = [];
    for (let i = 0; i < cells.length; i += 7) weeks.push(el('tr', {}, ...cells.slice(i, i + 7)));
    const turn = (n: number) => () => {
      month = addDays(`${month}-15`, n * 30).slice(0, 7);
      draw();
    };
    return el(
      'div',
      { class: 'calendar' },
      el(
        'table',
        {},
        el(
          'caption',
          {},
          el(
            'div',
            { class: 'calendar-head' },
            el('button', { type: 'button', id: 'cal-prev', 'aria-label': words.previousMonth, onclick: turn(-1) }, '‹'),
            el('span', {}, `${words.calendarTitle}: ${formatDay(first, language, { month: 'long', year: 'numeric' })}`),
            el('button', { type: 'button', id: 'cal-next', 'aria-label': words.nextMonth, onclick: turn(1) }, '›'),
          ),
        ),
        el(
          'thead',
          {},
          el(
            'tr',
            {},
            // 2026-12-07 is a Monday: the week's names from it, in the console's language.
            ...daysBetween('2026-12-07', '2026-12-13').map((d, i) =>
              el('th', { scope: 'col', abbr: words.days[i] }, formatDay(d, language, { weekday: 'narrow' })),
            ),
          ),
        ),
        el('tbody', {}, ...weeks),
      ),
    );
  }

  function draw(): void {
    const focused = document.activeElement?.id;
    editor.replaceChildren(
      el(
        'fieldset',
        {},
        el('legend', {}, words.timezone),
        el('label', { for: 'timezone' }, words.timezone),
        ' ',
        el('input', {
          id: 'timezone',
          value: state.timezone,
          autocomplete: 'off',
          onchange: (e) => ((state.timezone = (e.target as HTMLInputElement).value.trim()), changed()),
        }),
        problemsOf('timezone'),
      ),
      el('h2', {}, words.weekly),
      ...DAYS.map(dayEditor),
      problemsOf('openingHours', true),
      el(
        'fieldset',
        { 'data-field': 'closedDates' },
        el('legend', {}, words.closedDates),
        el(
          'ul',
          { 'data-test': 'closed-dates' },
          ...state.closedDates.map((date, i) =>
            el(
              'li',
              {},
              formatDay(date, language, { weekday: 'short', day: 'numeric', month: 'long', year: 'numeric' }),
              ' ',
              el(
                'button',
                {
                  type: 'button',
                  'aria-label': `${words.remove}: ${date}`,
                  onclick: () => (state.closedDates.splice(i, 1), changed()),
                },
                words.remove,
              ),
            ),
          ),
        ),
        calendar(),
        problemsOf('closedDates'),
      ),
      el('button', { type: 'button', class: 'primary', id: 'save-hours', onclick: save }, words.save),
      status,
    );
    if (focused) document.getElementById(focused)?.focus();
  }

  draw();
  preview();
  root.append(
    editor,
    el(
      'section',
      { class: 'preview', 'aria-labelledby': 'preview-title' },
      el('h2', { id: 'preview-title' }, words.previewTitle),
      el('label', { for: 'abandoned-at' }, words.abandonedAt),
      ' ',
      abandoned,
      sentence,
      el('h3', { id: 'week-title' }, words.weekTitle),
      el('p', { class: 'note' }, words.weekNote),
      strip,
    ),
  );
  return root;
}
