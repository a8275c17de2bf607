/**
 * Delivery through the WhatsApp Cloud API: the HTTP client, error classes, retry policy and
 * throughput limits. The sender's pipeline wires these; see docs/sender-delivery.md.
 */
export { WhatsAppClient } from './whatsapp-client';
export type { WhatsAppClientOptions, SendRequest } from './whatsapp-client';
export type {
  Accepted,
  DeliveryResult,
  PacedStatus,
  TransientFailure,
  PermanentFailure,
  TokenRejected,
  GraphFailure,
} from './delivery-result';
export { classifyGraphError, GRAPH_ERROR_RULES, MARKETING_TERMS_NOT_ACCEPTED } from './graph-errors';
export { RetryPolicy } from './retry-policy';
export type { RetryPolicyOptions, RetryDecision } from './retry-policy';
export { ThroughputLimiter, DEFAULT_THROUGHPUT_PER_SECOND, DEFAULT_PAIR_RATE } from './throughput-limiter';
export type { ThroughputLimiterOptions, PairRateOptions, LimiterClock } from './throughput-limiter';
export { deliver } from './delivery';
export { InFlightSlots } from './in-flight-slots';
export type { DeliveryParts, DeliveryOutcome } from './delivery';
export { endpointFor, graphMessageBody, graphRecipient, sendPath } from './messages';
export type { TextMessage, TemplateMessage, OutgoingMessage, SendEndpoint, MarketingSendOptions } from './messages';
