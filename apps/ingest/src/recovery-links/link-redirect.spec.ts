import { redirectUrl } from './link-redirect';

describe('recovery link redirect', () => {
  it('adds utm_source=whatsapp and the default medium and campaign', () => {
    expect(redirectUrl('https://lola.example/cart/recover/c1', {})).toBe(
      'https://lola.example/cart/recover/c1?utm_source=whatsapp&utm_medium=message&utm_campaign=cart-recovery',
    );
  });

  it("keeps the URL's own query and fragment, and takes the store's medium and campaign", () => {
    const url = new URL(
      redirectUrl('https://lola.example/checkouts/abc/recover?key=k%2B1&lang=es#top', {
        utmMedium: 'whatsapp-message',
        utmCampaign: 'navidad 2026',
      }),
    );
    expect(url.searchParams.get('key')).toBe('k+1');
    expect(url.searchParams.get('lang')).toBe('es');
    expect(url.searchParams.get('utm_source')).toBe('whatsapp');
    expect(url.searchParams.get('utm_medium')).toBe('whatsapp-message');
    expect(url.searchParams.get('utm_campaign')).toBe('navidad 2026');
    expect(url.hash).toBe('#top');
    expect(url.pathname).toBe('/checkouts/abc/recover');
  });

  it('replaces UTM parameters the URL already carried instead of repeating them', () => {
    const url = new URL(redirectUrl('https://lola.example/c?utm_source=email&utm_campaign=old', { utmCampaign: null }));
    expect(url.searchParams.getAll('utm_source')).toEqual(['whatsapp']);
    expect(url.searchParams.getAll('utm_campaign')).toEqual(['cart-recovery']);
  });
});
