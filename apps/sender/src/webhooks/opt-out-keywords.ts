/**
 * A reply opts the shopper out when, once case, accents, surrounding spaces and punctuation
 * are set aside, it is exactly one of the keywords: "Baja", "stop!", " PÁRAR " do; "no pares"
 * or a sentence that merely contains STOP does not (a shopper asking "stop what?" is talking).
 */
export function normalizeReply(text: string): string {
  return text
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .toUpperCase()
    .replace(/^[\s\p{P}\p{S}]+|[\s\p{P}\p{S}]+$/gu, '')
    .replace(/\s+/g, ' ');
}

export function optOutMatcher(keywords: readonly string[]): (reply: string) => boolean {
  const set = new Set(keywords.map(normalizeReply).filter(Boolean));
  return (reply) => set.has(normalizeReply(reply));
}
