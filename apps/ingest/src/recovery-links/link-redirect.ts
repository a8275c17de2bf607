/** The UTM parameters of a redirect when the store names none (store settings `links`). */
export const DEFAULT_UTM_MEDIUM = 'message';
export const DEFAULT_UTM_CAMPAIGN = 'cart-recovery';

/**
 * Where a recovery link sends the shopper: the store's recovery URL, its own query and fragment
 * kept, with `utm_source=whatsapp`, `utm_medium` and `utm_campaign` set (replacing any the URL
 * already had, so the store's analytics see one source for the visit).
 */
export function redirectUrl(
  destination: string,
  utm: { utmMedium?: string | null; utmCampaign?: string | null },
): string {
  const url = new URL(destination);
  url.searchParams.set('utm_source', 'whatsapp');
  url.searchParams.set('utm_medium', utm.utmMedium || DEFAULT_UTM_MEDIUM);
  url.searchParams.set('utm_campaign', utm.utmCampaign || DEFAULT_UTM_CAMPAIGN);
  return url.toString();
}
