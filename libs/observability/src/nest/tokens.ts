/** Injection tokens for what main.ts creates once per process. */
export const LOGGER = Symbol('Logger');
export const METRICS = Symbol('Metrics');
