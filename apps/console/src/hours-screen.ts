/// <reference lib="dom" />
// Opening hours: the weekly editor, the time zone and closed dates, with the admin API's
// problems next to their field, and the live "a cart abandoned at … is messaged at …".
import type { ConsoleApi } from './api';
import { debounce, el } from './dom';
import type { Language, Words } from './i18n';

const DAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
type Hours = Record<(typeof DAYS)[number], Array<[string, string]>>;

export interface HoursState {
  timezone: string;
  openingHours: Hours;
  closedDates: string[];
}

interface SendPreview {
  outcome: 'send' | 'expire';
  enabled: boolean;
  sendAt?: string;
}

export function hoursScreen(api: ConsoleApi, words: Words, language: Language, state: HoursState): HTMLElement {
  let problems: string[] = [];
  const root = el('div', { class: 'columns' });
  const editor = el('div');
  const status = el('p', { class: 'status', role: 'status' });
  const sentence = el('p', { 'data-test': 'send-preview' });
  const abandoned = el('input', {
    type: 'datetime-local',
    id: 'abandoned-at',
    value: wallTime(new Date(), state.timezone),
    oninput: () => preview(),
  });

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

  const preview = debounce(async () => {
    const at = zonedInstant(abandoned.value, state.timezone);
    if (!at) return;
    const answer = await api.call<SendPreview>('POST', 'send-preview', {
      detectedAt: at.toISOString(),
      changes: changes(),
    });
    problems = answer.ok ? [] : answer.problems;
    draw();
    if (!answer.ok) return (sentence.textContent = words.fixProblems);
    const when = (iso: string) => formatWhen(new Date(iso), state.timezone, language);
    sentence.textContent =
      answer.value.outcome === 'send'
        ? `${words.abandonedAt} ${when(at.toISOString())} ${words.messagedAt} ${when(answer.value.sendAt!)}.`
        : `${words.abandonedAt} ${when(at.toISOString())} ${words.expires}.`;
    if (!answer.value.enabled) sentence.textContent += ` ${words.storeDisabled}`;
  }, 250);

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

  function draw(): void {
    const focused = document.activeElement?.id;
    const newDate = el('input', { type: 'date', id: 'closed-date' });
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
        {},
        el('legend', {}, words.closedDates),
        el(
          'ul',
          {},
          ...state.closedDates.map((date, i) =>
            el(
              'li',
              {},
              date,
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
        el('label', { for: 'closed-date' }, words.closedDates),
        ' ',
        newDate,
        ' ',
        el(
          'button',
          {
            type: 'button',
            onclick: () => {
              if (newDate.value && !state.closedDates.includes(newDate.value)) state.closedDates.push(newDate.value);
              state.closedDates.sort();
              changed();
            },
          },
          words.addDate,
        ),
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
    ),
  );
  return root;
}

/** The wall-clock time of `at` in `zone`, as a datetime-local input shows it. */
function wallTime(at: Date, zone: string): string {
  const p = parts(at.getTime(), zone);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${p.year}-${pad(p.month)}-${pad(p.day)}T${pad(p.hour)}:${pad(p.minute)}`;
}

/** The instant a wall-clock time of `zone` names (its offset found by asking Intl). */
function zonedInstant(local: string, zone: string): Date | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})$/.exec(local);
  if (!m) return undefined;
  const guess = Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5]);
  let instant = guess - offsetMinutes(guess, zone) * 60_000;
  instant = guess - offsetMinutes(instant, zone) * 60_000;
  return new Date(instant);
}

function offsetMinutes(ms: number, zone: string): number {
  const p = parts(ms, zone);
  return Math.round(
    (Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute) - Math.floor(ms / 60_000) * 60_000) / 60_000,
  );
}

function parts(ms: number, zone: string): Record<'year' | 'month' | 'day' | 'hour' | 'minute', number> {
  let format: Intl.DateTimeFormat;
  try {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
    });
  } catch {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone: 'UTC',
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
    });
  }
  const get = (type: string) => Number(format.formatToParts(ms).find((p) => p.type === type)?.value);
  return { year: get('year'), month: get('month'), day: get('day'), hour: get('hour'), minute: get('minute') };
}

function formatWhen(at: Date, zone: string, language: Language): string {
  const options: Intl.DateTimeFormatOptions = {
    weekday: 'long',
    day: 'numeric',
    month: 'long',
    hour: '2-digit',
    minute: '2-digit',
  };
  try {
    return new Intl.DateTimeFormat(language, { ...options, timeZone: zone }).format(at);
  } catch {
    return new Intl.DateTimeFormat(language, { ...options, timeZone: 'UTC' }).format(at) + ' UTC';
  }
}
