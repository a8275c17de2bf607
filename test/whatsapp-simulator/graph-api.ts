import type { IncomingMessage, ServerResponse } from 'node:http';
import { checkAccessToken } from './access-tokens';
import { checkAgainstApproved, findTemplate, type TemplateCategory } from './approved-templates';
import type { Faults, InjectedFailure } from './faults';
import { graphError, type GraphErrorSpec } from './graph-errors';
import { readBody, sendJson } from './http-exchange';
import type { MessageStatuses } from './message-statuses';
import type { PairRateLimit, ThroughputLimit } from './rate-limits';
import type { AcceptedMessage, Endpoint, SendAttempt, SimulatorRecord } from './record';
import { checkSendRequest, type SendRequest } from './send-request';
import { pickLatency, type SimulatorLog, type SimulatorSettings } from './settings';
import { newWamid } from './wamid';

export interface GraphApiDeps {
  settings: SimulatorSettings;
  faults: Faults;
  record: SimulatorRecord;
  throughput: ThroughputLimit;
  pairRate: PairRateLimit;
  statuses: MessageStatuses;
  /** Keeps a response open without answering (until the client gives up or the simulator closes). */
  holdOpen: (res: ServerResponse) => void;
  /** A timer the simulator can cancel when it closes. */
  wait: (ms: number) => Promise<void>;
  clock: () => number;
  random: () => number;
  log: SimulatorLog;
}

const SEND_PATH = /^\/(v\d+\.\d+)\/([^/]+)\/(messages|marketing_messages)\/?$/;

/**
 * The Graph API versions Meta serves at the end of 2026: v23.0 (expires October 2027) to
 * v26.0 (current since July 2026). A call to an expired version is served by the oldest one
 * (Meta upgrades it; the `facebook-api-version` header says which); a version not released
 * yet is an unknown path.
 */
export const SERVED_GRAPH_VERSIONS = ['v23.0', 'v24.0', 'v25.0', 'v26.0'] as const;

/** The version that answers a call made with `asked`, or undefined when Meta has no such version. */
export function servedVersion(asked: string): string | undefined {
  if ((SERVED_GRAPH_VERSIONS as readonly string[]).includes(asked)) return asked;
  const number = (v: string) => Number(v.slice(1));
  const newest = SERVED_GRAPH_VERSIONS[SERVED_GRAPH_VERSIONS.length - 1];
  if (number(asked) > number(newest)) return undefined;
  return number(asked) < number(SERVED_GRAPH_VERSIONS[0]) ? SERVED_GRAPH_VERSIONS[0] : undefined;
}

/**
 * `POST /{version}/{phone-number-id}/messages` and `…/marketing_messages`. Order of checks:
 * injected stall and failures (the server itself is in trouble), access token, request body,
 * throughput (130429), recipient on WhatsApp (131026), pair rate (131056); then accepted.
 */
export async function handleGraphRequest(req: IncomingMessage, res: ServerResponse, deps: GraphApiDeps): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://simulator');
  const match = SEND_PATH.exec(url.pathname);
  if (!match) {
    req.resume();
    answerError(res, { code: 2500, message: `Unknown path components: ${url.pathname}` }, undefined);
    return;
  }
  const [, askedVersion, phoneNumberId, endpoint] = match as unknown as [string, string, string, Endpoint];
  const apiVersion = servedVersion(askedVersion);
  if (!apiVersion) {
    req.resume();
    answerError(res, { code: 2500, message: `Unknown path components: ${url.pathname}` }, undefined);
    return;
  }
  if (req.method !== 'POST') {
    req.resume();
    answerError(res, { code: 100, message: `Unsupported ${req.method?.toLowerCase()} request.` }, apiVersion);
    return;
  }

  const attempt = deps.record.beginAttempt({
    receivedAt: deps.clock(),
    path: url.pathname,
    apiVersion,
    phoneNumberId,
    endpoint,
  });
  const body = await readBody(req);
  attempt.body = body.json ?? body.raw;
  if (typeof body.json === 'object' && body.json !== null && typeof (body.json as { to?: unknown }).to === 'string') {
    attempt.to = (body.json as { to: string }).to;
  }

  const hold = deps.faults.stallHold(attempt.receivedAt);
  if (hold !== undefined) {
    attempt.fault = 'stall';
    if (hold === Infinity) return hang(res, attempt, deps, 'hung');
    await deps.wait(hold);
  }

  const decision = deps.faults.decide(phoneNumberId);
  const failure: InjectedFailure | undefined = decision?.failure;
  if (decision) attempt.fault = decision.source;
  if (failure?.kind === 'hang') return hang(res, attempt, deps, 'hung');
  if (failure?.kind === 'reset') {
    attempt.outcome = 'reset';
    logAttempt(deps, attempt);
    res.socket?.destroy();
    return;
  }

  let answer: { httpStatus: number; body: unknown };
  if (failure?.kind === 'error') {
    const error = graphError({ code: failure.code, httpStatus: failure.httpStatus, details: failure.details });
    attempt.outcome = 'refused';
    attempt.errorCode = failure.code;
    answer = error;
  } else {
    answer = processSend(req, attempt, body.tooLarge, deps);
  }

  if (failure?.kind === 'lose-answer') return hang(res, attempt, deps, 'answer-lost');
  await deps.wait(pickLatency(deps.settings.latencyMs, deps.random));
  attempt.httpStatus = answer.httpStatus;
  attempt.answeredAt = deps.clock();
  logAttempt(deps, attempt);
  sendJson(res, answer.httpStatus, answer.body, answerHeaders(apiVersion, attempt.errorCode));
}

function processSend(
  req: IncomingMessage,
  attempt: SendAttempt,
  tooLarge: boolean,
  deps: GraphApiDeps,
): { httpStatus: number; body: unknown } {
  const refuse = (spec: GraphErrorSpec) => {
    attempt.outcome = 'refused';
    attempt.errorCode = spec.code;
    return graphError(spec);
  };
  const { phoneNumberId, endpoint } = attempt;
  const { settings, faults } = deps;

  const authError = checkAccessToken(req.headers.authorization, phoneNumberId, settings.tokens, (t) =>
    faults.isRevoked(t),
  );
  if (authError) return refuse(authError);
  if (tooLarge) return refuse({ code: 100, details: 'The request body is too large' });
  const check = checkSendRequest(attempt.body, endpoint);
  if (!check.ok) return refuse(check.error);
  const send = check.send;
  // Without STRICT Meta sends it through the Cloud API instead (no time-to-live there).
  if (
    endpoint === 'marketing_messages' &&
    send.productPolicy === 'STRICT' &&
    settings.marketingTermsNotAccepted.includes(phoneNumberId)
  ) {
    return refuse({ code: 131055 });
  }
  if (send.template && settings.templates) {
    const templateError = checkAgainstApproved(settings.templates, send.template, endpoint);
    if (templateError) return refuse(templateError);
  }

  const now = deps.clock();
  if (!deps.throughput.admit(phoneNumberId, now)) return refuse({ code: 130429 });
  if (faults.isNotOnWhatsApp(send.waId)) return refuse({ code: 131026 });
  if (!deps.pairRate.allows(phoneNumberId, send.waId, now)) return refuse({ code: 131056 });
  deps.pairRate.take(phoneNumberId, send.waId, now);

  const message = acceptedMessage(attempt, send, now, deps);
  // A paced template: taken and held back, no status until the test releases or drops it.
  const paced = send.template ? settings.pacedTemplates[send.template.name] : undefined;
  if (paced) message.paced = paced;
  deps.record.addMessage(message);
  attempt.outcome = 'accepted';
  attempt.wamid = message.wamid;
  if (!paced) deps.statuses.followAcceptance(message);
  return {
    httpStatus: 200,
    body: {
      messaging_product: 'whatsapp',
      contacts: [{ input: send.to, wa_id: send.waId }],
      messages: [{ id: message.wamid, message_status: paced ?? 'accepted' }],
    },
  };
}

function acceptedMessage(attempt: SendAttempt, send: SendRequest, now: number, deps: GraphApiDeps): AcceptedMessage {
  const approved =
    send.template && deps.settings.templates
      ? findTemplate(deps.settings.templates, send.template.name, send.template.languageCode)
      : undefined;
  return {
    wamid: newWamid(send.waId),
    phoneNumberId: attempt.phoneNumberId,
    endpoint: attempt.endpoint,
    apiVersion: attempt.apiVersion,
    to: send.to,
    waId: send.waId,
    type: send.type,
    templateName: send.template?.name,
    language: send.template?.languageCode,
    text: send.text?.body,
    bizOpaqueCallbackData: send.bizOpaqueCallbackData,
    // Text is only possible inside the customer-service window; a template without a known category is taken as marketing (cart reminders are).
    category:
      send.type === 'text'
        ? 'service'
        : approved
          ? (approved.category.toLowerCase() as Lowercase<TemplateCategory>)
          : 'marketing',
    acceptedAt: now,
    attemptSeq: attempt.seq,
    body: attempt.body,
    statuses: [],
  };
}

function hang(res: ServerResponse, attempt: SendAttempt, deps: GraphApiDeps, outcome: 'hung' | 'answer-lost'): void {
  // `answer-lost` keeps the errorCode when the lost answer was a refusal.
  attempt.outcome = outcome;
  logAttempt(deps, attempt);
  deps.holdOpen(res);
}

function answerError(res: ServerResponse, spec: GraphErrorSpec, apiVersion: string | undefined): void {
  const { httpStatus, body } = graphError(spec);
  sendJson(res, httpStatus, body, answerHeaders(apiVersion, spec.code));
}

function answerHeaders(apiVersion: string | undefined, errorCode: number | undefined): Record<string, string> {
  const headers: Record<string, string> = {};
  if (apiVersion) headers['facebook-api-version'] = apiVersion;
  if (errorCode === 190 || errorCode === 104) {
    headers['www-authenticate'] = 'OAuth "Facebook Platform" "invalid_token" "Invalid OAuth access token"';
  }
  return headers;
}

function logAttempt(deps: GraphApiDeps, a: SendAttempt): void {
  deps.log('send', {
    seq: a.seq,
    phoneNumberId: a.phoneNumberId,
    endpoint: a.endpoint,
    to: a.to,
    outcome: a.outcome,
    httpStatus: a.httpStatus,
    code: a.errorCode,
    wamid: a.wamid,
    fault: a.fault,
  });
}
