import { applyTemplateNotice, holdsSends, routingCategory, templateKeyOf, type TemplateNotice } from './template-state';

const base = { wabaId: 'waba', templateId: '1', name: 'cart_reminder', language: 'es' };
const status = (s: string, at: string): Extract<TemplateNotice, { kind: 'status' }> => ({
  ...base,
  at,
  kind: 'status',
  status: s,
  reason: null,
  category: null,
});

describe('template state from Meta webhooks', () => {
  it('a paused or disabled template holds sends; approved again releases them', () => {
    const paused = applyTemplateNotice(undefined, status('PAUSED', '2026-12-01T10:00:00.000Z'));
    expect(paused).toMatchObject({ paused: true, resumed: false, changed: true });
    expect(holdsSends(paused.next)).toBe(true);
    const disabled = applyTemplateNotice(paused.next, status('DISABLED', '2026-12-01T11:00:00.000Z'));
    expect(disabled).toMatchObject({ paused: false, resumed: false });
    expect(holdsSends(disabled.next)).toBe(true);
    const approved = applyTemplateNotice(disabled.next, status('APPROVED', '2026-12-02T10:00:00.000Z'));
    expect(approved).toMatchObject({ paused: false, resumed: true });
    expect(holdsSends(approved.next)).toBe(false);
  });

  it('a late webhook older than the status kept changes nothing; a duplicate neither', () => {
    const approved = applyTemplateNotice(undefined, status('APPROVED', '2026-12-02T10:00:00.000Z')).next;
    const late = applyTemplateNotice(approved, status('PAUSED', '2026-12-01T10:00:00.000Z'));
    expect(late).toMatchObject({ changed: false, paused: false });
    expect(late.next.status).toBe('APPROVED');
    expect(applyTemplateNotice(approved, status('APPROVED', '2026-12-02T10:00:00.000Z')).changed).toBe(false);
  });

  it('keeps the latest completed category, and an impending one until it completes', () => {
    const impending = applyTemplateNotice(undefined, {
      ...base,
      at: '2026-12-01T10:00:00.000Z',
      kind: 'category-impending',
      currentCategory: 'UTILITY',
      correctCategory: 'MARKETING',
      effectiveAt: '2026-12-02T10:00:00.000Z',
    }).next;
    expect(impending).toMatchObject({
      category: 'UTILITY',
      impendingCategory: 'MARKETING',
      impendingAt: '2026-12-02T10:00:00.000Z',
    });
    const completed = applyTemplateNotice(impending, {
      ...base,
      at: '2026-12-02T10:00:01.000Z',
      kind: 'category-completed',
      previousCategory: 'UTILITY',
      newCategory: 'MARKETING',
    });
    expect(completed.next).toMatchObject({ category: 'MARKETING', impendingCategory: null, impendingAt: null });
    expect(completed).toMatchObject({ paused: false, resumed: false, changed: true });
    const stale = applyTemplateNotice(completed.next, {
      ...base,
      at: '2026-11-01T00:00:00.000Z',
      kind: 'category-completed',
      previousCategory: 'MARKETING',
      newCategory: 'UTILITY',
    });
    expect(stale.next.category).toBe('MARKETING');
  });

  it('takes the category a status webhook names, unless a newer category came', () => {
    const withCategory = applyTemplateNotice(undefined, {
      ...status('APPROVED', '2026-12-01T10:00:00.000Z'),
      category: 'MARKETING',
    });
    expect(withCategory.next.category).toBe('MARKETING');
  });

  it('routes on the latest category Meta gave, else the one the store declared', () => {
    expect(routingCategory('MARKETING', 'utility')).toBe('MARKETING'); // re-categorised after approval
    expect(routingCategory('UTILITY', 'marketing')).toBe('UTILITY');
    expect(routingCategory(null, 'marketing')).toBe('MARKETING');
    expect(routingCategory(null, undefined)).toBeUndefined();
    expect(routingCategory('SOMETHING_NEW', undefined)).toBeUndefined();
  });

  it('keys templates by account, name and language in one notation', () => {
    expect(templateKeyOf({ wabaId: 'w', name: 'n', language: 'en-US' })).toBe(
      templateKeyOf({ wabaId: 'w', name: 'n', language: 'en_US' }),
    );
    expect(templateKeyOf({ wabaId: 'w', name: 'n', language: null })).not.toBe(
      templateKeyOf({ wabaId: 'w2', name: 'n', language: null }),
    );
  });
});
