/// <reference lib="dom" />
// The message: its text (or the approved template's parameters) and a live preview drawn as
// a WhatsApp bubble from ingest's message-preview (the sender's own renderer, never ours).
import type { ConsoleApi } from './api';
import { debounce, el } from './dom';
import type { Language, Words } from './i18n';

export interface MessageState {
  mode: 'text' | 'template';
  messageTemplates: Record<string, string>;
  templateParameters?: { body?: string[]; buttonUrlSuffix?: string };
}

interface Sample {
  sample: string;
  text: string;
  template: 'store' | 'default';
  templateParameters?: { bodyParameters: string[] };
  problem?: string;
}

export function messageScreen(api: ConsoleApi, words: Words, language: Language, state: MessageState): HTMLElement {
  let samples: Sample[] = [];
  const problems = el('div', { 'data-problems': 'message' });
  const status = el('p', { class: 'status', role: 'status' });
  const bubble = el('div', { class: 'bubble', 'data-test': 'bubble' });
  const note = el('p', { class: 'note' });
  const sampleSelect = el(
    'select',
    { id: 'sample-cart', onchange: () => drawBubble() },
    ...['one-item', 'seven-items', 'long-names', 'emoji', 'usd', 'jpy', 'mxn'].map((s) =>
      el('option', { value: s }, words.samples[s]),
    ),
  );
  const text = el('textarea', {
    id: 'message-text',
    value: state.messageTemplates[language] ?? '',
    oninput: () => changed(),
  });
  const parameters = el('textarea', {
    id: 'template-parameters',
    value: (state.templateParameters?.body ?? []).join('\n'),
    oninput: () => changed(),
  });

  const changes = () => {
    if (state.mode === 'template') {
      const body = parameters.value.split('\n').filter((line) => line.trim() !== '');
      return { templateParameters: { ...state.templateParameters, body } };
    }
    const templates = { ...state.messageTemplates };
    if (text.value.trim()) templates[language] = text.value;
    else delete templates[language];
    return { messageTemplates: templates };
  };

  const showProblems = (list: string[]) =>
    problems.replaceChildren(...list.map((p) => el('p', { class: 'problem' }, p)));

  const changed = debounce(async () => {
    status.textContent = '';
    const answer = await api.call<{ samples: Sample[] }>('POST', 'message-preview', { language, changes: changes() });
    showProblems(answer.ok ? [] : answer.problems);
    if (answer.ok) samples = answer.value.samples;
    drawBubble();
  }, 250);

  function drawBubble(): void {
    const sample = samples.find((s) => s.sample === sampleSelect.value);
    if (!sample) return;
    bubble.textContent =
      state.mode === 'template' && sample.templateParameters
        ? `${sample.text}\n\n[${sample.templateParameters.bodyParameters.join(' · ')}]`
        : sample.text;
    note.textContent = sample.problem ?? (sample.template === 'default' ? words.defaultTemplate : '');
  }

  const save = async () => {
    status.textContent = words.saving;
    const answer = await api.call('PUT', 'settings', changes());
    showProblems(answer.ok ? [] : answer.problems);
    status.textContent = answer.ok ? words.saved : words.fixProblems;
  };

  changed();
  return el(
    'div',
    { class: 'columns' },
    el(
      'div',
      {},
      state.mode === 'template'
        ? el('label', { for: 'template-parameters' }, words.templateParameters)
        : el('label', { for: 'message-text' }, words.messageText),
      state.mode === 'template' ? parameters : text,
      el('p', { class: 'note' }, words.helpers),
      problems,
      el('button', { type: 'button', class: 'primary', id: 'save-message', onclick: save }, words.save),
      status,
    ),
    el(
      'section',
      { class: 'preview', 'aria-labelledby': 'bubble-title' },
      el('h2', { id: 'bubble-title' }, words.bubbleTitle),
      el('label', { for: 'sample-cart' }, words.sampleCart),
      ' ',
      sampleSelect,
      el('div', { class: 'chat' }, bubble),
      note,
    ),
  );
}
