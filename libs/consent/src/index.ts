// Consent evidence, pure (no Nest, Kafka or I/O): which record of a cart event counts for
// WhatsApp messages, which of a shopper's records is kept, and that a withdrawal is an opt-out.
export {
  latestConsents,
  replacesConsent,
  whatsappConsentOf,
  withdrawsConsent,
  type ConsentRecord,
} from './consent-evidence';
