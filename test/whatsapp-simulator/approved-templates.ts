import type { GraphErrorSpec } from './graph-errors';
import type { TemplateRequest } from './send-request';

export type TemplateCategory = 'MARKETING' | 'UTILITY' | 'AUTHENTICATION';

/**
 * A message template as approved in the WhatsApp Business Account, one per name and language.
 * When the simulator is given a list of these it checks sends against it like Meta does;
 * without a list any well-formed template is accepted.
 */
export interface ApprovedTemplate {
  name: string;
  /** e.g. `es`, `en_US`. */
  language: string;
  category: TemplateCategory;
  /** Number of `{{n}}` variables in the body. */
  bodyParameters: number;
  /** Number of variables in a text header (0 or 1). */
  headerParameters?: number;
  /** Button indexes (as strings, like the API) whose URL has a variable suffix. */
  urlButtons?: string[];
  status?: 'APPROVED' | 'PAUSED' | 'DISABLED';
  /**
   * The template's time-to-live, as set on POST /<WABA_ID>/message_templates (marketing:
   * 43200–2592000; Meta's default 30 days). Metadata only: the simulator expires nothing by it.
   */
  message_send_ttl_seconds?: number;
}

export function findTemplate(
  templates: readonly ApprovedTemplate[],
  name: string,
  language: string,
): ApprovedTemplate | undefined {
  return templates.find((t) => t.name === name && t.language === language);
}

/** Checks a well-formed template request against the approved templates, like Meta would. */
export function checkAgainstApproved(
  templates: readonly ApprovedTemplate[],
  template: TemplateRequest,
  endpoint: 'messages' | 'marketing_messages',
): GraphErrorSpec | undefined {
  const approved = findTemplate(templates, template.name, template.languageCode);
  if (!approved) {
    return {
      code: 132001,
      details: `template name (${template.name}) does not exist in ${template.languageCode}`,
    };
  }
  if (approved.status === 'PAUSED') return { code: 132015, details: `Template ${approved.name} is paused` };
  if (approved.status === 'DISABLED') return { code: 132016, details: `Template ${approved.name} is disabled` };
  if (endpoint === 'marketing_messages' && approved.category !== 'MARKETING') {
    // An approximation: Meta refuses non-marketing templates on this endpoint; the exact code is not documented.
    return {
      code: 100,
      details: `Only templates of category MARKETING can be sent to marketing_messages (${approved.category})`,
    };
  }
  const expected: Array<[string, number]> = [
    ['body', approved.bodyParameters],
    ['header', approved.headerParameters ?? 0],
  ];
  for (const [type, count] of expected) {
    const given = template.components.filter((c) => c.type === type).reduce((n, c) => n + c.parameters.length, 0);
    if (given !== count) {
      return {
        code: 132000,
        details: `${type}: number of localizable_params (${given}) does not match the expected number of params (${count})`,
      };
    }
  }
  const buttons = template.components.filter((c) => c.type === 'button');
  for (const index of approved.urlButtons ?? []) {
    const button = buttons.find((b) => b.index === index);
    if (!button || button.parameters.length !== 1) {
      return {
        code: 132000,
        details: `button at index ${index}: number of localizable_params (${button?.parameters.length ?? 0}) does not match the expected number of params (1)`,
      };
    }
  }
  const extra = buttons.find((b) => !(approved.urlButtons ?? []).includes(b.index ?? ''));
  if (extra) {
    return { code: 131009, details: `Template ${approved.name} has no button with a variable at index ${extra.index}` };
  }
  return undefined;
}
