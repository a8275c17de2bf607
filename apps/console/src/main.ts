/// <reference lib="dom" />
// The merchant console: opened by the platform with `/console#token=…&locale=es`. The token
// stays in memory only (the fragment is wiped at once); every call goes to ingest's console API.
import { ConsoleApi, storeOfToken } from './api';
import { el } from './dom';
import { hoursScreen, type HoursState } from './hours-screen';
import { chooseLanguage, type Language, wordsFor } from './i18n';
import { messageScreen, type MessageState } from './message-screen';
import { messagesScreen, type MessagesState } from './messages-screen';
import { defaultPeriod, resultsScreen, type ResultsState } from './results-screen';

interface Settings extends HoursState {
  name: string;
  whatsapp: { mode: 'text' | 'template'; templateParameters?: MessageState['templateParameters'] };
  messageTemplates?: Record<string, string>;
}

const SCREENS = ['hours', 'message', 'results', 'messages'] as const;
type Screen = (typeof SCREENS)[number];

async function start(): Promise<void> {
  const root = document.getElementById('console')!;
  const fragment = new URLSearchParams(location.hash.slice(1));
  history.replaceState(null, '', location.pathname + location.search);
  // The platform's locale (in the link's fragment, or its query), else the browser's.
  const requested = fragment.get('locale') ?? new URLSearchParams(location.search).get('locale');
  let language = chooseLanguage(requested, navigator.languages);
  let words = wordsFor(language);
  const say = (text: string) => root.replaceChildren(el('h1', {}, words.title), el('p', { role: 'alert' }, text));
  document.documentElement.lang = language;
  document.title = words.title;
  const token = fragment.get('token');
  const storeId = token ? storeOfToken(token) : undefined;
  if (!token || !storeId) return say(words.noToken);

  const api = new ConsoleApi(token, storeId, () => say(words.expired));
  const read = await api.call<Settings>('GET', 'settings');
  if (!read.ok) return say(words.failed);
  const settings = read.value;

  // Each screen's state lives here, so switching screens or languages keeps unsaved edits.
  const hours: HoursState = {
    timezone: settings.timezone,
    openingHours: structuredClone(settings.openingHours),
    closedDates: [...settings.closedDates],
  };
  const message: MessageState = {
    mode: settings.whatsapp.mode,
    messageTemplates: { ...settings.messageTemplates },
    templateParameters: settings.whatsapp.templateParameters,
  };
  const results: ResultsState = { timezone: settings.timezone, ...defaultPeriod(settings.timezone) };
  const recent: MessagesState = { timezone: settings.timezone, limit: 20 };
  const screens: Record<Screen, () => HTMLElement> = {
    hours: () => hoursScreen(api, words, language, hours),
    message: () => messageScreen(api, words, language, message),
    results: () => resultsScreen(api, words, language, results),
    messages: () => messagesScreen(api, words, language, recent),
  };
  let current: Screen = 'hours';

  function render(): void {
    document.documentElement.lang = language;
    document.title = `${words.title}: ${settings.name}`;
    const tabs = SCREENS.map((name) =>
      el(
        'button',
        {
          role: 'tab',
          id: `tab-${name}`,
          'aria-controls': 'panel',
          'aria-selected': String(name === current),
          tabindex: name === current ? '0' : '-1',
          type: 'button',
          onclick: () => show(name),
          onkeydown: (e) => {
            // Arrow keys move between tabs, as a tab list does.
            const key = (e as KeyboardEvent).key;
            if (key !== 'ArrowRight' && key !== 'ArrowLeft') return;
            const next =
              SCREENS[(SCREENS.indexOf(name) + (key === 'ArrowRight' ? 1 : SCREENS.length - 1)) % SCREENS.length];
            show(next);
            document.getElementById(`tab-${next}`)?.focus();
          },
        },
        { hours: words.tabHours, message: words.tabMessage, results: words.tabResults, messages: words.tabMessages }[
          name
        ],
      ),
    );
    const languages = el(
      'select',
      {
        id: 'language',
        onchange: (e) => {
          language = (e.target as HTMLSelectElement).value as Language;
          words = wordsFor(language);
          render();
          document.getElementById('language')?.focus();
        },
      },
      el('option', { value: 'es', lang: 'es' }, 'Español'),
      el('option', { value: 'en', lang: 'en' }, 'English'),
    );
    languages.value = language;
    root.replaceChildren(
      el(
        'header',
        { class: 'top' },
        el('h1', {}, `${words.title}: ${settings.name}`),
        el('div', {}, el('label', { for: 'language' }, words.language), ' ', languages),
      ),
      el('div', { role: 'tablist' }, ...tabs),
      el(
        'div',
        { role: 'tabpanel', id: 'panel', tabindex: '0', 'aria-labelledby': `tab-${current}` },
        screens[current](),
      ),
    );
  }

  function show(name: Screen): void {
    current = name;
    render();
  }

  render();
}

void start();
