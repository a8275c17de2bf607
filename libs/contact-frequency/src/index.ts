// The frequency rule, pure (no Nest, Kafka or I/O): who counts as the same shopper, the window,
// what takes and what releases a shopper's hold. The scheduler and the sender both check it.
export {
  contactKeyOf,
  contendingAsks,
  decideContacts,
  frequencyRuleApplies,
  heldBackByLastMessage,
  holdInForce,
  holdsBack,
  holdUntil,
  settleHold,
  type ContactAsk,
  type ContactDecision,
  type ContactSettlement,
  type FrequencyHold,
} from './contact-frequency';
