import type { CartEvent } from '@lib/contracts';
import { Episode, firstEpisode, PlanContext, planEpisode, sameEpisode } from './abandonment';
import { CartFacts, emptyFacts, mergeCartEvent } from './cart-facts';

/** One cart as the scheduler keeps it: merged facts and its current abandonment episode. */
export interface CartState {
  storeId: string;
  cartId: string;
  facts: CartFacts;
  episode: Episode;
}

export function newCart(storeId: string, cartId: string): CartState {
  return { storeId, cartId, facts: emptyFacts(), episode: firstEpisode() };
}

/**
 * The decision for a cart's events (one, or a consumed batch): a pure function of (state,
 * events). Facts merge (newest wins, duplicates change nothing), then the episode is planned
 * once from the merged facts: the same result as applying the events one by one. `changed` is false when nothing needs writing. The
 * context may depend on the merged facts (the opt-out of the customer's phone).
 */
export function applyCartEvents(
  state: CartState,
  events: CartEvent[],
  ctx: PlanContext | ((facts: CartFacts) => PlanContext),
): { state: CartState; changed: boolean } {
  let facts = state.facts;
  for (const event of events) facts = mergeCartEvent(facts, event);
  if (facts === state.facts) return { state, changed: false };
  const episode = planEpisode(facts, state.episode, typeof ctx === 'function' ? ctx(facts) : ctx);
  return { state: { ...state, facts, episode }, changed: true };
}

/** The same cart re-planned under new settings or a new opt-out, facts unchanged. */
export function replanCart(state: CartState, ctx: PlanContext): { state: CartState; changed: boolean } {
  const episode = planEpisode(state.facts, state.episode, ctx);
  if (sameEpisode(episode, state.episode)) return { state, changed: false };
  return { state: { ...state, episode }, changed: true };
}
