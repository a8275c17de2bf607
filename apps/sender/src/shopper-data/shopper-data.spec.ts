import { SUPPRESSION_NOTE, suppressionOf } from './shopper-data';

describe('suppressionOf', () => {
  it('says an erasure suppression exists, with its store, time and source, and never the hash', () => {
    const shown = suppressionOf({
      store_id: 'lola-shoes',
      phone_hash: 'b1946ac92492d2347c6235b4d2611184',
      opted_out_at: '2026-12-01T10:00:00+00:00',
      source: 'keyword',
    });
    expect(shown).toEqual({
      storeId: 'lola-shoes',
      optedOutAt: '2026-12-01T10:00:00+00:00',
      source: 'keyword',
      note: SUPPRESSION_NOTE,
    });
    expect(JSON.stringify(shown)).not.toContain('b1946ac9');
    expect(SUPPRESSION_NOTE).toMatch(/^an erasure suppression exists/);
  });
});
