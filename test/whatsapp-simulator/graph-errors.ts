import { randomBytes } from 'node:crypto';

/**
 * The Graph API errors the simulator answers with, in Meta's words. The HTTP status of each
 * code follows Meta's error-code table (docs "WhatsApp Cloud API > Support > Error codes"):
 * most #13xxxx errors, throughput (130429) and pair rate (131056) included, come back as
 * 400; auth as 401; permissions and policy blocks as 403; server trouble as 500/503. Only the
 * app-level call limit (code 4) is documented as 429 (OpenAPI `TooManyRequests`).
 */
interface ErrorCatalogueEntry {
  title: string;
  httpStatus: number;
  details?: string;
  /** Graph-level errors (auth, unknown path) carry no WhatsApp `error_data`. */
  graphOnly?: boolean;
}

const catalogue: Record<number, ErrorCatalogueEntry> = {
  1: { title: 'An unknown error occurred', httpStatus: 500, details: 'Invalid request or possible server error.' },
  2: { title: 'Service temporarily unavailable', httpStatus: 503, details: 'Temporary due to downtime or overload.' },
  4: {
    title: 'Application request limit reached',
    httpStatus: 429,
    details: 'The app has reached its API call rate limit.',
  },
  10: { title: 'Application does not have permission for this action', httpStatus: 403 },
  100: { title: 'Invalid parameter', httpStatus: 400 },
  104: { title: 'An access token is required to request this resource.', httpStatus: 401, graphOnly: true },
  190: { title: 'Invalid OAuth access token - Cannot parse access token', httpStatus: 401, graphOnly: true },
  200: { title: 'Permission error', httpStatus: 403 },
  368: { title: 'Temporarily blocked for policies violations', httpStatus: 403 },
  2500: { title: 'Unknown path components', httpStatus: 400, graphOnly: true },
  80007: {
    title: 'Rate limit issues',
    httpStatus: 400,
    details: 'The WhatsApp Business Account has reached its rate limit.',
  },
  130429: {
    title: 'Rate limit hit',
    httpStatus: 400,
    details:
      'Message failed to send because there were too many messages sent from this phone number in a short period of time',
  },
  131000: {
    title: 'Something went wrong',
    httpStatus: 500,
    details: 'Message failed to send due to an unknown error.',
  },
  131008: { title: 'Required parameter is missing', httpStatus: 400 },
  131009: { title: 'Parameter value is not valid', httpStatus: 400 },
  131016: { title: 'Service unavailable', httpStatus: 503, details: 'A service is temporarily unavailable.' },
  131026: {
    title: 'Message undeliverable',
    httpStatus: 400,
    details:
      'Unable to deliver message. Reasons can include: the recipient phone number is not a WhatsApp phone number; ' +
      'the recipient has not accepted the new Terms of Service and Privacy Policy; the recipient is using an old WhatsApp version.',
  },
  131031: { title: 'Business Account locked', httpStatus: 403 },
  131047: {
    title: 'Re-engagement message',
    httpStatus: 400,
    details:
      'Message failed to send because more than 24 hours have passed since the customer last replied to this number.',
  },
  131048: {
    title: 'Spam rate limit hit',
    httpStatus: 400,
    details:
      'Message failed to send because there are restrictions on how many messages can be sent from this phone number.',
  },
  131049: {
    title: 'This message was not delivered to maintain healthy ecosystem engagement.',
    httpStatus: 400,
    details: 'In order to maintain healthy ecosystem engagement, the message failed to be delivered.',
  },
  131055: {
    title: 'Marketing Messages API terms not accepted',
    httpStatus: 400,
    details:
      'The business has not accepted the Marketing Messages API for WhatsApp terms of service: accept them in WhatsApp Manager to send marketing templates here.',
  },
  131050: {
    title:
      'Unable to deliver the message. This recipient has chosen to stop receiving marketing messages on WhatsApp from your business.',
    httpStatus: 400,
  },
  131051: { title: 'Unsupported message type', httpStatus: 400 },
  131056: {
    title: '(Business Account, Consumer Account) pair rate limit hit',
    httpStatus: 400,
    details:
      'Message failed to send because there were too many messages sent from this phone number to the same phone number in a short period of time.',
  },
  132000: { title: 'Number of parameters does not match the expected number of params', httpStatus: 400 },
  132001: { title: 'Template name does not exist in the translation', httpStatus: 400 },
  132005: { title: 'Translated text too long', httpStatus: 400 },
  132015: { title: 'Template is Paused', httpStatus: 400 },
  132016: { title: 'Template is Disabled', httpStatus: 400 },
  132018: { title: 'There was an issue with the parameters in your template.', httpStatus: 400 },
  133010: { title: 'Account not registered', httpStatus: 400 },
};

/** What went wrong, before it is dressed as Meta's JSON. */
export interface GraphErrorSpec {
  code: number;
  details?: string;
  /** Overrides the catalogue's `(#code) title` message, for Graph messages that name a parameter. */
  message?: string;
  /** Overrides the catalogue's status, e.g. an injected 131000 answered as 502. */
  httpStatus?: number;
  subcode?: number;
}

export interface GraphErrorBody {
  error: {
    message: string;
    type: 'OAuthException';
    code: number;
    error_subcode?: number;
    error_data?: { messaging_product: 'whatsapp'; details: string };
    fbtrace_id: string;
  };
}

export interface GraphErrorAnswer {
  httpStatus: number;
  body: GraphErrorBody;
}

export function httpStatusOf(code: number): number {
  return catalogue[code]?.httpStatus ?? (code >= 131000 || code === 100 ? 400 : 500);
}

/** Title and details as a `failed` status webhook carries them. */
export function describeError(code: number): { title: string; details: string } {
  const entry = catalogue[code];
  const title = entry?.title ?? `Error ${code}`;
  return { title, details: entry?.details ?? title };
}

export function graphError(spec: GraphErrorSpec): GraphErrorAnswer {
  const entry = catalogue[spec.code];
  const title = entry?.title ?? `Error ${spec.code}`;
  // Graph-level errors read "Invalid OAuth access token…"; WhatsApp ones read "(#131026) Message undeliverable".
  const message = spec.message ?? (entry?.graphOnly ? title : `(#${spec.code}) ${title}`);
  const body: GraphErrorBody = {
    error: { message, type: 'OAuthException', code: spec.code, fbtrace_id: newFbtraceId() },
  };
  if (spec.subcode !== undefined) body.error.error_subcode = spec.subcode;
  if (!entry?.graphOnly) {
    body.error.error_data = { messaging_product: 'whatsapp', details: spec.details ?? entry?.details ?? title };
  }
  // Key order as Meta sends it: fbtrace_id last.
  const { fbtrace_id, ...rest } = body.error;
  body.error = { ...rest, fbtrace_id };
  return { httpStatus: spec.httpStatus ?? httpStatusOf(spec.code), body };
}

function newFbtraceId(): string {
  return randomBytes(17).toString('base64url').slice(0, 23);
}
