// The week's sending windows, asked of ingest's send-preview alone (no rule of the product
// here): a cart whose desired time is `t` is sent at the next opening (`sendAt`), and the store
// stays open until `openUntil`; so from the week's start each answer gives one window and
// where to ask next. Each closing that starts a closed span is asked once more, as a cart
// abandoned right then, to say whether it would expire before the store opens.

/** ingest's SendPreview (libs/contracts), the fields read here. */
export interface SendPreview {
  outcome: 'send' | 'expire';
  enabled: boolean;
  detectedAt: string;
  desiredAt: string;
  notAfter: string;
  sendAt?: string;
  openUntil?: string | null;
}

export interface SendWindows {
  /** [opens, closes) in epoch ms, within the week. */
  windows: Array<[number, number]>;
  /** Carts abandoned as the store closes that would get no message: when, and until when. */
  expiring: Array<{ at: number; notAfter: number }>;
}

/** At most this many questions for one week (a store open in many short intervals). */
const MAX_QUESTIONS = 80;

/**
 * `ask(detectedAt)`: send-preview's answer for a cart abandoned then, or undefined when the
 * settings have problems. `sample`: any answer of the same settings (for their delay and horizon).
 */
export async function sendWindows(
  start: number,
  end: number,
  sample: SendPreview,
  ask: (detectedAt: Date) => Promise<SendPreview | undefined>,
): Promise<SendWindows | undefined> {
  const delay = Date.parse(sample.desiredAt) - Date.parse(sample.detectedAt);
  const horizon = Math.max(3_600_000, Date.parse(sample.notAfter) - Date.parse(sample.detectedAt) - delay);
  const windows: SendWindows['windows'] = [];
  const closings: number[] = [];
  let closedFrom: number | undefined;
  let t = start;
  for (let asked = 0; t < end && asked < MAX_QUESTIONS; asked++) {
    const p = await ask(new Date(t - delay));
    if (!p) return undefined;
    if (p.outcome === 'expire') {
      // Nothing opens within the horizon: ask again from there.
      closedFrom ??= t;
      t += horizon;
      continue;
    }
    const opens = Date.parse(p.sendAt!);
    if (opens > t) closedFrom ??= t;
    if (closedFrom !== undefined) closings.push(closedFrom);
    closedFrom = undefined;
    if (opens >= end) break;
    const closes = p.openUntil ? Date.parse(p.openUntil) : end;
    windows.push([opens, Math.min(closes, end)]);
    t = closes;
  }
  if (closedFrom !== undefined) closings.push(closedFrom);
  const answers = await Promise.all(closings.filter((c) => c < end).map((c) => ask(new Date(c))));
  const expiring: SendWindows['expiring'] = [];
  for (const p of answers) {
    if (p?.outcome === 'expire') expiring.push({ at: Date.parse(p.detectedAt), notAfter: Date.parse(p.notAfter) });
  }
  return { windows, expiring };
}
