/// <reference lib="dom" />
// The merchant console: opened by the platform with `/console#token=…&locale=es`. The token
// stays in memory only (the fragment is wiped at once); every call goes to ingest's console API.
import { ConsoleApi, storeOfToken } from './api';
import { el } from './dom';
import { hoursScreen, type HoursState } from './hours-screen';
import { chooseLanguage, wordsFor } from './i18n';
import { messageScreen, type MessageState } from './message-screen';

interface Settings extends HoursState {
  name: string;
  whatsapp: { mode: 'text' | 'template'; templateParameters?: MessageState['templateParameters'] };
  messageTemplates?: Record<string, string>;
}

async function start(): Promise<void> {
  const root = document.getElementById('console')!;
  const fragment = new URLSearchParams(location.hash.slice(1));
  history.replaceState(null, '', location.pathname + location.search);
  const language = chooseLanguage(fragment.get('locale'), navigator.languages);
  const words = wordsFor(language);
  document.documentElement.lang = language;
  document.title = words.title;
  const token = fragment.get('token');
  const storeId = token ? storeOfToken(token) : undefined;
  const say = (text: string) => root.replaceChildren(el('h1', {}, words.title), el('p', { role: 'alert' }, text));
  if (!token || !storeId) return say(words.noToken);

  const api = new ConsoleApi(token, storeId, () => say(words.expired));
  const read = await api.call<Settings>('GET', 'settings');
  if (!read.ok) return say(words.failed);
  const settings = read.value;

  const screens = {
    hours: () =>
      hoursScreen(api, words, language, {
        timezone: settings.timezone,
        openingHours: structuredClone(settings.openingHours),
        closedDates: [...settings.closedDates],
      }),
    message: () =>
      messageScreen(api, words, language, {
        mode: settings.whatsapp.mode,
        messageTemplates: { ...settings.messageTemplates },
        templateParameters: settings.whatsapp.templateParameters,
      }),
  };
  const panel = el('div', { role: 'tabpanel', id: 'panel', tabindex: '0' });
  const tabs = (['hours', 'message'] as const).map((name) =>
    el(
      'button',
      { role: 'tab', id: `tab-${name}`, 'aria-controls': 'panel', type: 'button', onclick: () => show(name) },
      name === 'hours' ? words.tabHours : words.tabMessage,
    ),
  );
  function show(name: 'hours' | 'message'): void {
    for (const tab of tabs) tab.setAttribute('aria-selected', String(tab.id === `tab-${name}`));
    panel.setAttribute('aria-labelledby', `tab-${name}`);
    panel.replaceChildren(screens[name]());
  }
  root.replaceChildren(
    el('h1', {}, `${words.title}: ${settings.name}`),
    el('div', { role: 'tablist' }, ...tabs),
    panel,
  );
  show('hours');
}

void start();
