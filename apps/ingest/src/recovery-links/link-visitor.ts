import type { UserAgentClass } from '@lib/contracts';

/**
 * Who fetched a recovery link. WhatsApp fetches a link's page to draw its preview as soon as the
 * message arrives (User-Agent `WhatsApp/2.23.20.0 A`), and other apps do the same when a link is
 * shared: such fetches get the redirect like anyone, but they are not the shopper clicking.
 * Every entry, in order (docs/ingest.md, "Recovery links"):
 * - HEAD requests (a checker, never a browser following a link);
 * - no User-Agent at all;
 * - link-preview fetchers: WhatsApp, facebookexternalhit, Facebot, Slackbot, Twitterbot,
 *   TelegramBot, Discordbot, LinkedInBot, SkypeUriPreview, Applebot, Google-InspectionTool;
 * - any other crawler naming itself: bot, crawler, spider, preview, fetcher, curl, wget,
 *   python-requests, Go-http-client, HeadlessChrome.
 */
const PREVIEW_FETCHERS = [
  /^WhatsApp\//i,
  /facebookexternalhit/i,
  /facebot/i,
  /slackbot/i,
  /twitterbot/i,
  /telegrambot/i,
  /discordbot/i,
  /linkedinbot/i,
  /skypeuripreview/i,
  /applebot/i,
  /google-inspectiontool/i,
];
const SELF_DECLARED_BOTS =
  /bot\b|bot\/|crawler|spider|preview|fetcher|^curl\/|^wget\/|python-requests|go-http-client|headlesschrome/i;

export interface LinkVisit {
  method: string;
  userAgent: string | undefined;
}

/** Whether a visit is a shopper's click (counted) rather than a preview or a bot (redirected only). */
export function isCountedClick(visit: LinkVisit): boolean {
  if (visit.method.toUpperCase() === 'HEAD') return false;
  const ua = visit.userAgent?.trim() ?? '';
  if (!ua) return false;
  if (PREVIEW_FETCHERS.some((p) => p.test(ua))) return false;
  return !SELF_DECLARED_BOTS.test(ua);
}

/** The kind of browser, all that is kept of the User-Agent. */
export function userAgentClassOf(userAgent: string | undefined): UserAgentClass {
  const ua = userAgent ?? '';
  if (/android|iphone|ipad|ipod|mobile|windows phone/i.test(ua)) return 'mobile';
  if (/windows nt|macintosh|x11|linux|cros/i.test(ua)) return 'desktop';
  return 'other';
}
