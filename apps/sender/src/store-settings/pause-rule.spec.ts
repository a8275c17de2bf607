import { pauseEndedBy, isMarketingTermsPause } from './pause-rule';

describe('pauseEndedBy', () => {
  const tokenPause = { reason: '190: HTTP 401: code 190: Invalid OAuth access token', tokenDigest: 'old' };
  const termsPause = { reason: '131055: HTTP 400: code 131055: terms not accepted', tokenDigest: 'old' };

  it('ends a token pause with another token only', () => {
    expect(pauseEndedBy(tokenPause, { tokenDigest: 'new', tokenOpens: true })).toBe(true);
    expect(pauseEndedBy(tokenPause, { tokenDigest: 'old', tokenOpens: true })).toBe(false);
  });

  it('ends a 131055 pause with any settings saved, the same token included', () => {
    expect(pauseEndedBy(termsPause, { tokenDigest: 'old', tokenOpens: true })).toBe(true);
    expect(pauseEndedBy(termsPause, { tokenDigest: 'new', tokenOpens: true })).toBe(true);
  });

  it('ends nothing with a token that does not open', () => {
    expect(pauseEndedBy(tokenPause, { tokenDigest: 'new', tokenOpens: false })).toBe(false);
    expect(pauseEndedBy(termsPause, { tokenDigest: 'old', tokenOpens: false })).toBe(false);
  });
});

describe('isMarketingTermsPause', () => {
  it('ends a 131055 pause only: a rejected token stays rejected', () => {
    expect(isMarketingTermsPause({ reason: '131055: HTTP 400: code 131055: terms not accepted' })).toBe(true);
    expect(isMarketingTermsPause({ reason: '190: HTTP 401: code 190: Invalid OAuth access token' })).toBe(false);
    expect(isMarketingTermsPause({ reason: null })).toBe(false);
  });
});
