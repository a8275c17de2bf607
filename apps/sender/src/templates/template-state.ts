/** Meta's template webhooks (`message_template_status_update`, `template_category_update`). */
export type TemplateNotice = {
  wabaId: string;
  templateId: string | null;
  name: string;
  language: string | null;
  at: string;
} & (
  | { kind: 'status'; status: string; reason: string | null; category: string | null }
  | { kind: 'category-impending'; currentCategory: string | null; correctCategory: string; effectiveAt: string | null }
  | { kind: 'category-completed'; previousCategory: string | null; newCategory: string }
);

/** A business phone number and the WhatsApp Business Account it belongs to (entry id). */
export interface BusinessNumberSeen {
  phoneNumberId: string;
  wabaId: string;
}

/**
 * What the sender knows of one approved template (per WhatsApp Business Account, name and
 * language) from Meta's template webhooks: its status (a paused or disabled template holds
 * the store's sends until approved again) and its latest category (Meta may re-categorise a
 * template after approval and says to route on the latest one).
 */
export interface TemplateState {
  wabaId: string;
  name: string;
  /** '' when Meta did not say. */
  language: string;
  templateId: string | null;
  status: string | null;
  statusReason: string | null;
  statusAt: string | null;
  /** The latest completed category (MARKETING, UTILITY, AUTHENTICATION). */
  category: string | null;
  categoryAt: string | null;
  /** An impending change Meta announced (correct_category), and when it takes effect. */
  impendingCategory: string | null;
  impendingAt: string | null;
}

/** The statuses that stop sends of a template (Meta refuses them with 132015 / 132016). */
/**
 * The category a template is sent as: the latest one Meta gave it (template_category_update,
 * completed) wins over the one the store declared, which is only what it asked for at approval.
 * Meta says to route on the latest category (a re-categorised utility template is marketing).
 */
export function routingCategory(
  latestFromMeta: string | null,
  declared: string | undefined,
): 'MARKETING' | 'UTILITY' | 'AUTHENTICATION' | undefined {
  const category = (latestFromMeta ?? declared)?.toUpperCase();
  return category === 'MARKETING' || category === 'UTILITY' || category === 'AUTHENTICATION' ? category : undefined;
}

export const HOLDING_STATUSES: ReadonlySet<string> = new Set(['PAUSED', 'DISABLED']);
export function holdsSends(state: Pick<TemplateState, 'status'> | undefined): boolean {
  return state?.status != null && HOLDING_STATUSES.has(state.status);
}

export function templateKeyOf(t: { wabaId: string; name: string; language: string | null }): string {
  return `${t.wabaId}\u0000${t.name}\u0000${normalLanguage(t.language)}`;
}

/** Meta writes `en_US`, some write-ups `en-US`: one form. */
export function normalLanguage(language: string | null): string {
  return (language ?? '').replace('-', '_');
}

/**
 * One template webhook applied. Webhooks can come late or twice: a status or category older
 * than the one kept changes nothing. `paused`/`resumed`: the template started or stopped
 * holding sends with this notice (what the alert and the release of held messages follow).
 */
export function applyTemplateNotice(
  current: TemplateState | undefined,
  notice: TemplateNotice,
): { next: TemplateState; changed: boolean; paused: boolean; resumed: boolean } {
  const before: TemplateState = current ?? {
    wabaId: notice.wabaId,
    name: notice.name,
    language: normalLanguage(notice.language),
    templateId: null,
    status: null,
    statusReason: null,
    statusAt: null,
    category: null,
    categoryAt: null,
    impendingCategory: null,
    impendingAt: null,
  };
  const next: TemplateState = { ...before, templateId: notice.templateId ?? before.templateId };
  const newer = (kept: string | null) => kept === null || notice.at >= kept;
  if (notice.kind === 'status') {
    if (newer(before.statusAt)) {
      next.status = notice.status;
      next.statusReason = notice.reason;
      next.statusAt = notice.at;
    }
    // A status webhook names the category too: taken when nothing newer said otherwise.
    if (notice.category && newer(before.categoryAt)) {
      next.category = notice.category;
      next.categoryAt = notice.at;
    }
  } else if (notice.kind === 'category-completed') {
    if (newer(before.categoryAt)) {
      next.category = notice.newCategory;
      next.categoryAt = notice.at;
      next.impendingCategory = null;
      next.impendingAt = null;
    }
  } else if (newer(before.categoryAt)) {
    next.impendingCategory = notice.correctCategory;
    next.impendingAt = notice.effectiveAt;
    if (notice.currentCategory && next.category === null) next.category = notice.currentCategory;
  }
  const wasHolding = holdsSends(before);
  const isHolding = holdsSends(next);
  return {
    next,
    changed: JSON.stringify(next) !== JSON.stringify(before) || current === undefined,
    paused: !wasHolding && isHolding,
    resumed: wasHolding && !isHolding,
  };
}
