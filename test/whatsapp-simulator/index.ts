/**
 * A local WhatsApp Cloud API for tests, the demo and benchmarks: the Graph API send endpoints
 * with Meta's wire format, limits and errors, signed status and reply webhooks, fault
 * injection, and a record of everything. See docs/whatsapp-simulator.md.
 */
export { startWhatsAppSimulator } from './simulator';
export type { ShopperReplyOrder, ShopperReplyResult, SettingsView, WhatsAppSimulator } from './simulator';
export type { SimulatorOptions, SettingsPatch, LimitOptions, WebhookOptions, Latency, SimulatorLog } from './settings';
export type { ApprovedTemplate, TemplateCategory } from './approved-templates';
export type { FaultOrder, InjectedFailure, RandomFailures, Stall, FailNext, FailsAfterAccept, Faults } from './faults';
export type {
  AcceptedMessage,
  AttemptOutcome,
  MessageFilter,
  RecordStats,
  SendAttempt,
  SimulatorRecord,
  StatusName,
  WebhookDelivery,
} from './record';
export { peakPerSecond } from './record';
export type { GraphErrorBody } from './graph-errors';
export type {
  InboundWebhook,
  StatusWebhook,
  TemplateEvent,
  TemplateStatusEvent,
  TemplateCategoryEvent,
} from './webhook-payloads';
export { userIdOf, parentUserIdOf } from './shopper-identities';
export type { ShopperIdentities, ShopperIdentityProfile, ShopperIdentity } from './shopper-identities';
export { webhookSignature } from './webhook-outbox';
export { verifyWebhookSubscription, type WebhookVerificationResult } from './webhook-verification';
