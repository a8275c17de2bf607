import type { StoreSettings } from '@lib/contracts';
import { marketBlocked, phoneCountry, sendsMarketingTemplates } from './market-rules';

const template = (templateCategory?: 'marketing' | 'utility' | 'authentication') =>
  ({
    whatsapp: { phoneNumberId: '1', mode: 'template', templateName: 'cart', templateCategory },
  }) as StoreSettings;
const text = { whatsapp: { phoneNumberId: '1', mode: 'text' } } as StoreSettings;
const on = { blockUsMarketing: true };

describe('market rules', () => {
  it('tells the United States from Canada and the other +1 countries by area code', () => {
    expect(phoneCountry('+12125550123')).toBe('US'); // New York
    expect(phoneCountry('+13055550123')).toBe('US'); // Miami
    expect(phoneCountry('+14165550123')).toBe('CA'); // Toronto
    expect(phoneCountry('+16045550123')).toBe('CA'); // Vancouver
    expect(phoneCountry('+18095550123')).toBe('DO'); // Dominican Republic
    expect(phoneCountry('+17875550123')).toBe('PR'); // Puerto Rico
    expect(phoneCountry('+34600111222')).toBe('ES');
    expect(phoneCountry('12125550123')).toBe('US'); // digits only, as the Graph API writes them
    expect(phoneCountry('+15555550123')).toBeUndefined(); // no such area code
  });

  it('blocks marketing templates to US numbers only', () => {
    expect(marketBlocked('+12125550123', template('marketing'), on)).toBe(true);
    expect(marketBlocked('+12125550123', template(), on)).toBe(true); // a cart reminder is marketing
    expect(marketBlocked('+14165550123', template('marketing'), on)).toBe(false); // Canada
    expect(marketBlocked('+17875550123', template('marketing'), on)).toBe(false);
    expect(marketBlocked('+34600111222', template('marketing'), on)).toBe(false);
    expect(marketBlocked('+15555550123', template('marketing'), on)).toBe(false);
  });

  it('leaves utility and authentication templates, text messages, and everything when turned off', () => {
    expect(marketBlocked('+12125550123', template('utility'), on)).toBe(false);
    expect(marketBlocked('+12125550123', template('authentication'), on)).toBe(false);
    expect(marketBlocked('+12125550123', text, on)).toBe(false);
    expect(marketBlocked('+12125550123', template('marketing'), { blockUsMarketing: false })).toBe(false);
    expect(sendsMarketingTemplates(template())).toBe(true);
    expect(sendsMarketingTemplates(text)).toBe(false);
  });

  it("goes by Meta's latest category of the template, not the one the store declared", () => {
    // A utility template Meta re-categorised as marketing is blocked, and the other way round.
    expect(marketBlocked('+12125550123', template('utility'), on, 'MARKETING')).toBe(true);
    expect(marketBlocked('+12125550123', template('marketing'), on, 'UTILITY')).toBe(false);
    expect(sendsMarketingTemplates(template('utility'), 'MARKETING')).toBe(true);
    expect(sendsMarketingTemplates(text, 'MARKETING')).toBe(false);
  });
});
