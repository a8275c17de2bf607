// The shipped text-mode messages: the store's name, the products left behind and the link,
// short and friendly, as the product note asks. A store's `messageTemplates` replace them per
// language. The store name is bold; it is cleaned of formatting markers, so the run stays balanced.
// The cart total, only when both the amount and its currency are known.
const TOTAL = '{{#if total}}{{#if currency}} ({{money total currency}}){{/if}}{{/if}}';

export const DEFAULT_TEMPLATES: Readonly<Record<string, string>> = {
  es:
    `¡Hola {{firstName}}! En *{{store.name}}* te guardamos el carrito${TOTAL}: {{itemsSummary items}}. ` +
    'Termina tu compra cuando quieras aquí: {{recoveryLink}}',
  en:
    `Hi {{firstName}}! *{{store.name}}* saved your cart${TOTAL}: {{itemsSummary items}}. ` +
    'Finish your order whenever you like here: {{recoveryLink}}',
};

/**
 * Template mode without `whatsapp.templateParameters.body`: the three body parameters of the
 * reference `cart_reminder` template (name, store, products).
 */
export const DEFAULT_BODY_PARAMETERS: readonly string[] = ['{{firstName}}', '{{store.name}}', '{{itemsSummary items}}'];
