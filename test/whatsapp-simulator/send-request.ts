import type { GraphErrorSpec } from './graph-errors';

/**
 * The body of `POST /{version}/{phone-number-id}/messages` (and `/marketing_messages`),
 * checked the way the Cloud API checks what matters for template and text messages. Other
 * message types (image, interactive…) are outside the simulator and refused with 100.
 *
 * `/marketing_messages` takes a closed body (Meta's `MarketingMessageRequestPayload`,
 * `additionalProperties: false`): exactly MARKETING_FIELDS, `recipient_type` required, a key
 * outside them (`biz_opaque_callback_data` and `message_send_ttl_seconds` included) refused
 * with 100. Meta takes the time-to-live on the template (POST /<WABA_ID>/message_templates),
 * never on a send.
 */

export interface TemplateParameter {
  type: string;
  text?: string;
  payload?: string;
  [other: string]: unknown;
}

export interface TemplateComponentRequest {
  type: string;
  subType?: string;
  index?: string;
  parameters: TemplateParameter[];
}

export interface TemplateRequest {
  name: string;
  languageCode: string;
  components: TemplateComponentRequest[];
}

export interface SendRequest {
  /** `to` as the client wrote it (echoed as `contacts[0].input`). */
  to: string;
  /** The recipient's WhatsApp id: `to` reduced to digits. */
  waId: string;
  type: 'template' | 'text';
  template?: TemplateRequest;
  text?: { body: string; previewUrl: boolean };
  bizOpaqueCallbackData?: string;
  productPolicy?: 'CLOUD_API_FALLBACK' | 'STRICT';
  messageActivitySharing?: boolean;
}

/** The keys of a `/marketing_messages` body: Meta's schema's seven, nothing else. */
export const MARKETING_FIELDS = [
  'messaging_product',
  'recipient_type',
  'to',
  'type',
  'template',
  'product_policy',
  'message_activity_sharing',
] as const;

export type SendRequestCheck = { ok: true; send: SendRequest } | { ok: false; error: GraphErrorSpec };

const OTHER_MESSAGE_TYPES = [
  'audio',
  'contacts',
  'document',
  'image',
  'interactive',
  'location',
  'reaction',
  'sticker',
  'video',
];
const COMPONENT_TYPES = ['header', 'body', 'footer', 'button', 'carousel', 'limited_time_offer'];
const PARAMETER_TYPES = [
  'text',
  'currency',
  'date_time',
  'image',
  'document',
  'video',
  'location',
  'payload',
  'coupon_code',
  'action',
  'product',
  'order_status',
  'limited_time_offer',
];
const TEXT_BODY_MAX = 4096;
const CALLBACK_DATA_MAX = 512;
const HEADER_PARAMETER_MAX = 60;
const BODY_PARAMETER_MAX = 1024;
const BODY_ONLY_PARAMETER_MAX = 32768;

export function checkSendRequest(body: unknown, endpoint: 'messages' | 'marketing_messages'): SendRequestCheck {
  const fail = (error: GraphErrorSpec): SendRequestCheck => ({ ok: false, error });
  if (!isObject(body)) return fail({ code: 100, details: 'The request body must be a JSON object' });
  let marketing: Pick<SendRequest, 'productPolicy' | 'messageActivitySharing'> = {};
  if (endpoint === 'marketing_messages') {
    const checked = checkMarketingFields(body);
    if ('code' in checked) return fail(checked);
    marketing = checked;
  }

  if (body.messaging_product === undefined) return fail(required('messaging_product'));
  if (body.messaging_product !== 'whatsapp') {
    return fail(
      invalid(`Param messaging_product must be one of {WHATSAPP} - got "${String(body.messaging_product)}".`),
    );
  }
  if (body.recipient_type !== undefined && body.recipient_type !== 'individual') {
    return fail(invalid('Param recipient_type must be individual (the simulator does not handle groups).'));
  }
  if (body.to === undefined || body.to === '') return fail(required('to'));
  if (typeof body.to !== 'string') return fail(invalid('Param to must be a string.'));
  const waId = toWaId(body.to);
  if (!/^\d{7,15}$/.test(waId)) return fail(invalid(`Param to is not a valid phone number: "${body.to}".`));

  const callbackData = body.biz_opaque_callback_data;
  if (callbackData !== undefined) {
    if (typeof callbackData !== 'string') return fail(invalid('Param biz_opaque_callback_data must be a string.'));
    if (callbackData.length > CALLBACK_DATA_MAX) {
      return fail(invalid(`Param biz_opaque_callback_data must be at most ${CALLBACK_DATA_MAX} characters long.`));
    }
  }

  // The Cloud API treats a missing type as text.
  const type = body.type ?? 'text';
  const base = { to: body.to, waId, bizOpaqueCallbackData: callbackData as string | undefined, ...marketing };
  if (endpoint === 'marketing_messages' && type !== 'template') {
    return fail(invalid('Only template messages can be sent to marketing_messages.'));
  }
  if (type === 'text') {
    const text = checkText(body.text);
    return 'code' in text ? fail(text) : { ok: true, send: { ...base, type, text } };
  }
  if (type === 'template') {
    const template = checkTemplate(body.template);
    return 'code' in template ? fail(template) : { ok: true, send: { ...base, type, template } };
  }
  if (typeof type === 'string' && OTHER_MESSAGE_TYPES.includes(type)) {
    return fail(invalid(`Messages of type ${type} are valid for Meta but not simulated: use template or text.`));
  }
  return fail(invalid(`Param type must be one of {TEMPLATE, TEXT, ${OTHER_MESSAGE_TYPES.join(', ').toUpperCase()}}.`));
}

function checkMarketingFields(
  body: Record<string, unknown>,
): Pick<SendRequest, 'productPolicy' | 'messageActivitySharing'> | GraphErrorSpec {
  const unknown = Object.keys(body).filter((key) => !(MARKETING_FIELDS as readonly string[]).includes(key));
  if (unknown.length > 0) {
    return {
      code: 100,
      message: `(#100) Param ${unknown[0]} is not a valid parameter.`,
      details: `Unexpected key "${unknown[0]}": marketing_messages takes ${MARKETING_FIELDS.join(', ')}`,
    };
  }
  if (body.recipient_type === undefined) return required('recipient_type');
  const checked: Pick<SendRequest, 'productPolicy' | 'messageActivitySharing'> = {};
  const policy = body.product_policy;
  if (policy !== undefined) {
    if (policy !== 'CLOUD_API_FALLBACK' && policy !== 'STRICT') {
      return invalid('Param product_policy must be one of {CLOUD_API_FALLBACK, STRICT}.');
    }
    checked.productPolicy = policy;
  }
  const sharing = body.message_activity_sharing;
  if (sharing !== undefined) {
    if (typeof sharing !== 'boolean') return invalid('Param message_activity_sharing must be a boolean.');
    checked.messageActivitySharing = sharing;
  }
  return checked;
}

function checkText(text: unknown): { body: string; previewUrl: boolean } | GraphErrorSpec {
  if (!isObject(text)) return required("text['body']");
  if (text.body === undefined || text.body === '') return required("text['body']");
  if (typeof text.body !== 'string') return invalid("Param text['body'] must be a string.");
  if (text.body.length > TEXT_BODY_MAX) {
    return invalid(`Param text['body'] must be at most ${TEXT_BODY_MAX} characters long.`);
  }
  if (text.preview_url !== undefined && typeof text.preview_url !== 'boolean') {
    return invalid("Param text['preview_url'] must be a boolean.");
  }
  return { body: text.body, previewUrl: text.preview_url === true };
}

function checkTemplate(template: unknown): TemplateRequest | GraphErrorSpec {
  if (!isObject(template)) return required('template');
  if (template.name === undefined || template.name === '') return required("template['name']");
  if (typeof template.name !== 'string') return invalid("Param template['name'] must be a string.");
  if (!isObject(template.language)) return required("template['language']");
  const code = template.language.code;
  if (code === undefined || code === '') return required("template['language']['code']");
  if (typeof code !== 'string' || !/^[a-z]{2,3}(_[A-Z]{2,3})?$/.test(code)) {
    return invalid(`Param template['language']['code'] is not a valid language code: "${String(code)}".`);
  }
  if (template.components !== undefined && !Array.isArray(template.components)) {
    return invalid("Param template['components'] must be an array.");
  }
  const given = (template.components ?? []) as unknown[];
  const bodyOnly = given.length === 1 && isObject(given[0]) && given[0].type === 'body';
  const components: TemplateComponentRequest[] = [];
  for (const [i, raw] of given.entries()) {
    const component = checkComponent(raw, i, bodyOnly);
    if ('code' in component) return component;
    components.push(component);
  }
  return { name: template.name, languageCode: code, components };
}

function checkComponent(raw: unknown, i: number, bodyOnly: boolean): TemplateComponentRequest | GraphErrorSpec {
  const where = `template['components'][${i}]`;
  if (!isObject(raw)) return invalid(`Param ${where} must be an object.`);
  if (typeof raw.type !== 'string' || !COMPONENT_TYPES.includes(raw.type)) {
    return invalid(`Param ${where}['type'] must be one of {${COMPONENT_TYPES.join(', ').toUpperCase()}}.`);
  }
  const component: TemplateComponentRequest = { type: raw.type, parameters: [] };
  if (raw.type === 'button') {
    if (raw.sub_type === undefined) return missing(`${where}['sub_type']`);
    if (raw.index === undefined) return missing(`${where}['index']`);
    // Meta documents index as a string; a small integer is tolerated like the API does.
    const index = typeof raw.index === 'number' ? String(raw.index) : raw.index;
    if (typeof index !== 'string' || !/^\d$/.test(index)) {
      return { code: 131009, details: `Param ${where}['index'] must be a single digit string.` };
    }
    component.subType = String(raw.sub_type);
    component.index = index;
  }
  if (raw.parameters === undefined) return component;
  if (!Array.isArray(raw.parameters)) return invalid(`Param ${where}['parameters'] must be an array.`);
  const maxText =
    raw.type === 'header' ? HEADER_PARAMETER_MAX : bodyOnly ? BODY_ONLY_PARAMETER_MAX : BODY_PARAMETER_MAX;
  for (const parameter of raw.parameters as unknown[]) {
    const error = checkParameter(parameter, raw.type, maxText);
    if (error) return error;
    component.parameters.push(parameter as TemplateParameter);
  }
  return component;
}

function checkParameter(raw: unknown, componentType: string, maxText: number): GraphErrorSpec | undefined {
  if (!isObject(raw) || typeof raw.type !== 'string') return missing(`${componentType}: parameter type`);
  if (!PARAMETER_TYPES.includes(raw.type)) {
    return invalid(`${componentType}: parameter type must be one of {${PARAMETER_TYPES.join(', ').toUpperCase()}}.`);
  }
  const value = raw[raw.type];
  if (value === undefined || value === null || value === '') {
    return { code: 131008, details: `Parameter of type ${raw.type} is missing ${raw.type} value` };
  }
  if (raw.type === 'text') {
    if (typeof value !== 'string') return { code: 131009, details: `${componentType}: Param text must be a string` };
    // A real, often-met refusal: rendered variables must stay on one line.
    if (/[\n\t]| {5,}/.test(value)) {
      return {
        code: 132018,
        details: 'Param text cannot have new-line/tab characters or more than 4 consecutive spaces',
      };
    }
    if (value.length > maxText) {
      return { code: 131009, details: `${componentType}: Param text must be at most ${maxText} characters long` };
    }
  }
  return undefined;
}

/** A recipient's WhatsApp id: the number as written, reduced to digits. */
export function toWaId(to: string): string {
  return to.replace(/[\s()+-]/g, '');
}

function required(parameter: string): GraphErrorSpec {
  return { code: 100, message: `(#100) The parameter ${parameter} is required.`, details: `${parameter} is required` };
}

function missing(parameter: string): GraphErrorSpec {
  return { code: 131008, details: `Parameter ${parameter} is missing` };
}

function invalid(details: string): GraphErrorSpec {
  return { code: 100, details };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
