// Shopper- and platform-supplied text (names, titles, the store's name) goes into a WhatsApp
// message, where *, _, ~ and ` start bold, italic, strike-through and monospace runs. A title like
// "Pack_2_colores" or a name with an asterisk would otherwise switch formatting on for the rest of
// the message. WhatsApp does not document how zero-width characters interact with its markup, so
// we swap the markers for look-alikes that are certain never to format.
const FORMATTING_LOOK_ALIKES: Record<string, string> = {
  '*': '\u2217', // ∗ asterisk operator
  _: '\u02CD', // ˍ modifier letter low macron
  '~': '\u223C', // ∼ tilde operator
  '`': '\u02CB', // ˋ modifier letter grave accent
};
const FORMATTING_MARKERS = /[*_~`]/g;

// Line and paragraph breaks of every kind become spaces: these fields are single-line.
const LINE_BREAKS = /[\r\n\t\v\f\u0085\u2028\u2029]/g;
// Other control characters, plus the bidi embeddings, overrides and isolates, which would let an
// RTL name reorder the text that follows it. Plain RTL text needs none of them to show right.
// (ZWJ and the LRM/RLM marks stay: emoji sequences and some names need them.)
// eslint-disable-next-line no-control-regex
const CONTROLS = /[\u0000-\u001F\u007F-\u009F\u202A-\u202E\u2066-\u2069\uFEFF]/g;
const SPACE_RUNS = /\s{2,}/g;

export const ELLIPSIS = '\u2026';

const graphemes = new Intl.Segmenter('und', { granularity: 'grapheme' });

/**
 * Cuts `text` to at most `max` user-perceived characters, ending with "…" when cut, so an emoji
 * sequence or an accented letter is never split in half.
 */
export function capLength(text: string, max: number): string {
  // A string's UTF-16 length is never below its grapheme count: short strings need no segmenting.
  if (text.length <= max) return text;
  const parts: string[] = [];
  for (const { segment } of graphemes.segment(text)) {
    parts.push(segment);
    if (parts.length > max)
      return (
        parts
          .slice(0, max - 1)
          .join('')
          .trimEnd() + ELLIPSIS
      );
  }
  return text;
}

/** Whitespace made single-line: breaks and tabs become spaces, runs collapse, ends trimmed. */
export function singleLine(text: string): string {
  return text.replace(LINE_BREAKS, ' ').replace(CONTROLS, '').replace(SPACE_RUNS, ' ').trim();
}

/**
 * WhatsApp formatting markers replaced by look-alikes that never format. A leading ">" too: a
 * template that starts a line with a shopper's text would otherwise show it as a quote.
 */
export function neutralizeFormatting(text: string): string {
  return text.replace(FORMATTING_MARKERS, (m) => FORMATTING_LOOK_ALIKES[m]).replace(/^>/, '\u203A');
}

/**
 * A single-line field safe to drop anywhere in a WhatsApp message: one line, no control
 * characters, no formatting markers, at most `max` characters. Empty when there is no text.
 */
export function shopperText(value: string | undefined | null, max: number): string {
  if (!value) return '';
  return capLength(neutralizeFormatting(singleLine(value)), max);
}

/** Cuts `text` to at most `max` UTF-16 units (how the API counts), never inside a grapheme. */
export function capUnits(text: string, max: number): string {
  if (text.length <= max) return text;
  let kept = '';
  for (const { segment } of graphemes.segment(text)) {
    if (kept.length + segment.length > max - 1) break;
    kept += segment;
  }
  return kept.trimEnd() + ELLIPSIS;
}
