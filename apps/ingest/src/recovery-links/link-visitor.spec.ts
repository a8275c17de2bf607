import { isCountedClick, userAgentClassOf } from './link-visitor';

const IPHONE =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1';
const ANDROID_CHROME =
  'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Mobile Safari/537.36';
const DESKTOP_FIREFOX = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:121.0) Gecko/20100101 Firefox/121.0';
const MAC_SAFARI =
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_1) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Safari/605.1.15';

describe('recovery link visitors', () => {
  it("counts a browser's GET", () => {
    for (const ua of [IPHONE, ANDROID_CHROME, DESKTOP_FIREFOX, MAC_SAFARI]) {
      expect(isCountedClick({ method: 'GET', userAgent: ua })).toBe(true);
    }
  });

  it("does not count WhatsApp's preview nor other apps' link previews", () => {
    for (const ua of [
      'WhatsApp/2.23.20.0 A',
      'WhatsApp/2.2409.2 i',
      'facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)',
      'Facebot',
      'Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)',
      'Twitterbot/1.0',
      'TelegramBot (like TwitterBot)',
      'Mozilla/5.0 (compatible; Discordbot/2.0; +https://discordapp.com)',
      'LinkedInBot/1.0 (compatible; Mozilla/5.0; Apache-HttpClient +http://www.linkedin.com)',
      'Mozilla/5.0 (Windows NT 6.1; WOW64) SkypeUriPreview Preview/0.5',
      'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15 (Applebot/0.1)',
    ]) {
      expect({ ua, counted: isCountedClick({ method: 'GET', userAgent: ua }) }).toEqual({ ua, counted: false });
    }
  });

  it('does not count generic bots, crawlers, spiders, scripts, a missing User-Agent or a HEAD', () => {
    for (const ua of [
      'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)',
      'Mozilla/5.0 (compatible; bingbot/2.0)',
      'SomeCrawler/3.1',
      'Baiduspider',
      'curl/8.4.0',
      'Wget/1.21',
      'python-requests/2.31',
      'Go-http-client/1.1',
      'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/120.0.0.0 Safari/537.36',
      '',
      '   ',
      undefined,
    ]) {
      expect({ ua, counted: isCountedClick({ method: 'GET', userAgent: ua }) }).toEqual({ ua, counted: false });
    }
    expect(isCountedClick({ method: 'HEAD', userAgent: IPHONE })).toBe(false);
    expect(isCountedClick({ method: 'head', userAgent: IPHONE })).toBe(false);
  });

  it('keeps only the kind of browser', () => {
    expect(userAgentClassOf(IPHONE)).toBe('mobile');
    expect(userAgentClassOf(ANDROID_CHROME)).toBe('mobile');
    expect(userAgentClassOf(DESKTOP_FIREFOX)).toBe('desktop');
    expect(userAgentClassOf(MAC_SAFARI)).toBe('desktop');
    expect(userAgentClassOf('SomeTV/1.0')).toBe('other');
    expect(userAgentClassOf(undefined)).toBe('other');
  });
});
