export const SENDER_CONFIG = Symbol('SenderConfig');
/** isOpen / nextOpening of @lib/business-hours, behind the StoreOpenings port. */
export const STORE_OPENINGS = Symbol('StoreOpenings');
/** @lib/message-templates behind the ReminderRenderer port. */
export const REMINDER_RENDERER = Symbol('ReminderRenderer');
/** The WhatsApp Cloud API parts (client, limiter, retry policy): one set per process. */
export const WHATSAPP_DELIVERY = Symbol('WhatsAppDelivery');
