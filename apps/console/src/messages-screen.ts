/// <reference lib="dom" />
// Recent messages: the store's latest carts messaged, each with its status history, so a
// merchant can answer "did my customer get it?". From the sender (through ingest's console
// API); phones come masked, reasons as codes put in the merchant's words here.
import type { ConsoleApi } from './api';
import { el } from './dom';
import type { Language, Words } from './i18n';

/** The sender's ConsoleMessages (libs/contracts), the fields the screen shows. */
interface ConsoleMessage {
  sendId: string;
  cartId: string;
  phone: string;
  state: string;
  reason: string | null;
  errorCode: number | null;
  history: Array<{ status: string; at: string; reason?: string; code?: number }>;
  text: string | null;
  templateName: string | null;
  decidedAt: string;
}

export interface MessagesState {
  timezone: string;
  limit: number;
}

const LIMITS = [20, 50, 100];

export function messagesScreen(api: ConsoleApi, words: Words, language: Language, state: MessagesState): HTMLElement {
  const body = el('div', { 'data-test': 'messages', 'aria-busy': 'true' });
  const when = (at: string) => {
    try {
      return new Intl.DateTimeFormat(language, {
        timeZone: state.timezone,
        weekday: 'short',
        day: 'numeric',
        month: 'short',
        hour: '2-digit',
        minute: '2-digit',
        second: '2-digit',
      }).format(new Date(at));
    } catch {
      return at;
    }
  };
  const reasonOf = (reason: string | undefined | null, code: number | null | undefined) => {
    if (!reason) return null;
    const text = words.messageReasons[reason] ?? words.messageReasons.other;
    return code != null ? `${text} (${words.messageWhatsAppCode.replace('{code}', String(code))})` : text;
  };

  async function load(): Promise<void> {
    body.setAttribute('aria-busy', 'true');
    const answer = await api.call<{ messages: ConsoleMessage[] }>('GET', `messages?limit=${state.limit}`);
    // The API's own words are for the platform (503: no CONSOLE_SENDER_URL here); the merchant reads ours.
    if (!answer.ok) body.replaceChildren(el('p', { class: 'problem' }, words.messagesUnavailable));
    else if (answer.value.messages.length === 0) body.replaceChildren(el('p', { class: 'note' }, words.messagesNone));
    else body.replaceChildren(el('ol', { class: 'messages' }, ...answer.value.messages.map(card)));
    body.setAttribute('aria-busy', 'false');
  }

  function card(m: ConsoleMessage): HTMLElement {
    const reason = reasonOf(m.reason, m.errorCode);
    const content =
      m.text !== null
        ? el('div', { class: 'bubble', 'data-test': 'message-text' }, m.text)
        : m.templateName !== null
          ? el('p', { 'data-test': 'message-template' }, words.messageTemplate.replace('{name}', m.templateName))
          : m.state === 'sent' || m.state === 'delivered' || m.state === 'read'
            ? el('p', { class: 'note' }, words.messageNoText)
            : null;
    return el(
      'li',
      { class: 'message', 'data-cart': m.cartId, 'data-state': m.state },
      el(
        'h3',
        {},
        el('span', { class: `state state-${m.state}` }, words.states[m.state] ?? m.state),
        ' ',
        `${words.messageCart} ${m.cartId}`,
      ),
      el(
        'dl',
        {},
        el('dt', {}, words.messagePhone),
        el('dd', { 'data-test': 'phone' }, m.phone),
        el('dt', {}, words.messageDecided),
        el('dd', {}, el('time', { datetime: m.decidedAt }, when(m.decidedAt))),
      ),
      reason ? el('p', { class: 'reason', 'data-test': 'reason' }, reason) : null,
      content,
      el(
        'details',
        {},
        el('summary', {}, words.messageHistory),
        el(
          'ol',
          { class: 'history', 'data-test': 'history' },
          ...m.history.map((step) => {
            const why = reasonOf(step.reason, step.code);
            return el(
              'li',
              { 'data-status': step.status },
              el('time', { datetime: step.at }, when(step.at)),
              ' · ',
              el('strong', {}, words.states[step.status] ?? step.status),
              why ? ` · ${why}` : '',
            );
          }),
        ),
      ),
    );
  }

  const limit = el(
    'select',
    {
      id: 'messages-limit',
      onchange: (e) => {
        state.limit = Number((e.target as HTMLSelectElement).value);
        void load();
      },
    },
    ...LIMITS.map((n) => el('option', { value: String(n) }, String(n))),
  );
  limit.value = String(state.limit);
  void load();
  return el(
    'section',
    { 'aria-labelledby': 'messages-title' },
    el('h2', { id: 'messages-title' }, words.messagesTitle),
    el('p', { class: 'note' }, words.messagesNote),
    el(
      'div',
      { class: 'period' },
      el('label', { for: 'messages-limit' }, words.messagesShow),
      ' ',
      limit,
      ' ',
      el('button', { type: 'button', id: 'messages-refresh', onclick: () => void load() }, words.messagesRefresh),
    ),
    body,
  );
}
