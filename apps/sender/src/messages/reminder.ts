import type { SendDue, StoreSettings } from '@lib/contracts';
import type { TrackedLink } from '@lib/message-templates';

/** The cart reminder for one send-due, rendered from the store's templates: what goes to WhatsApp. */
export interface ReminderMessage {
  locale: string;
  /** The message as the shopper reads it (text mode sends it; template mode keeps it for the record). */
  text: string;
  /** Template mode: the approved template and its filled parameters. */
  template?: FilledTemplate;
}

/** An approved template with its parameters filled for one shopper, as kept on the message row. */
export interface FilledTemplate {
  templateName: string;
  languageCode: string;
  bodyParameters: string[];
  buttonUrlSuffix?: string;
}

/** @lib/message-templates behind a port, so the pipeline does not care how text is made. */
export interface ReminderRenderer {
  /** `link`: the message's click-tracked link, shown instead of the store's recovery URL. */
  render(sendDue: SendDue, settings: StoreSettings, link?: TrackedLink): ReminderMessage;
}
