import { isOpen, nextOpening } from '@lib/business-hours';
import { renderMessage, renderTemplateParameters } from '@lib/message-templates';
import type { StoreOpenings } from './decide-send';
import type { ReminderRenderer } from '../messages/reminder';

/** @lib/business-hours as the sender reads it: the store's zone, weekly hours and closed dates. */
export const storeOpenings: StoreOpenings = {
  isOpen: (at, settings) => isOpen(at, settings),
  nextOpening: (after, settings) => nextOpening(after, settings),
};

/**
 * @lib/message-templates: the text is always rendered (it is what the record shows); template
 * mode adds the approved template's parameters, filled from the same send-due.
 */
export const storeReminderRenderer: ReminderRenderer = {
  render(sendDue, settings, link) {
    const { locale, text } = renderMessage({ sendDue, settings, link });
    if (settings.whatsapp.mode !== 'template') return { locale, text };
    return { locale, text, template: renderTemplateParameters({ sendDue, settings, link }) };
  },
};
