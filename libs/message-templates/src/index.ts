// Pure rendering of cart-recovery messages (no Nest, Kafka or I/O): text mode for the sender's
// text messages, template mode for approved WhatsApp templates, and the check ingest runs on a
// store's templates before accepting its settings. See docs/message-templates.md.
import type { StoreSettings } from '@lib/contracts';
import { createMessageRenderer, RenderedMessage, RenderedTemplateParameters, RenderInput } from './renderer';
import { findTemplateProblems } from './template-problems';

export {
  BODY_PARAMETER_MAX,
  BUTTON_URL_SUFFIX_MAX,
  createMessageRenderer,
  TEXT_BODY_MAX,
  type MessageRenderer,
  type RenderedMessage,
  type RenderedTemplateParameters,
  type RendererStats,
  type RenderInput,
  sampleLink,
  SAMPLE_LINK_TOKEN,
  type TrackedLink,
} from './renderer';
export { DEFAULT_BODY_PARAMETERS, DEFAULT_TEMPLATES } from './default-templates';
export { MessageTemplateError } from './message-template-error';
export { HELPER_NAMES } from './message-helpers';
export type { MessageContext, MessageItem } from './message-context';
export { neutralizeFormatting, shopperText } from './shopper-text';

// One renderer per process: its cache of compiled templates is what makes rendering cheap.
const shared = createMessageRenderer();

/** The text-mode message for a send-due: the store's template for the chosen language, or ours. */
export function renderMessage(input: RenderInput): RenderedMessage {
  return shared.renderMessage(input);
}

/** Template mode: the approved template's name, language, body parameters and URL button suffix. */
export function renderTemplateParameters(input: RenderInput): RenderedTemplateParameters {
  return shared.renderTemplateParameters(input);
}

/** What is wrong with a store's templates and expressions ("messageTemplates.es: …"); [] when fine. */
export function templateProblems(settings: StoreSettings): string[] {
  return findTemplateProblems(shared, settings);
}
