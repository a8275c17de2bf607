import type { EnvVar } from '@lib/config';

/**
 * The console's security headers. Its page loads only what ingest serves (`'self'`): one
 * script file, one style sheet, no inline script or style, no third-party request; who may
 * frame it is the deployment's list (`CONSOLE_FRAME_ANCESTORS`).
 */
export function consoleSecurityHeaders(frameAncestors: readonly string[]): Record<string, string> {
  return {
    'content-security-policy': [
      "default-src 'none'",
      "script-src 'self'",
      "style-src 'self'",
      "img-src 'self' data:",
      "connect-src 'self'",
      "base-uri 'none'",
      "form-action 'none'",
      `frame-ancestors ${frameAncestors.join(' ')}`,
    ].join('; '),
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    'cross-origin-opener-policy': 'same-origin',
    'cache-control': 'no-store',
  };
}

// A source of CSP's frame-ancestors: 'self', 'none', or an https origin, the leftmost label
// of its host possibly `*` (https://*.myshopify.com). No paths, no plain http but localhost.
const ORIGIN = /^https:\/\/(\*\.)?[a-z0-9-]+(\.[a-z0-9-]+)*(:\d{1,5})?$/i;
const LOCAL = /^http:\/\/(localhost|127\.0\.0\.1)(:\d{1,5})?$/i;

/** `CONSOLE_FRAME_ANCESTORS`: space- or comma-separated sources; each bad one is named. */
export function frameAncestorsEnv(description: string): EnvVar<string[]> {
  return {
    description,
    parse(raw) {
      const sources = (raw ?? "'self'").split(/[\s,]+/).filter(Boolean);
      if (sources.length === 0) throw new Error("needs at least one source ('self', 'none' or https://origin)");
      const bad = sources.filter((s) => !(s === "'self'" || s === "'none'" || ORIGIN.test(s) || LOCAL.test(s)));
      if (bad.length) {
        throw new Error(
          `not a frame ancestor: ${bad.map((s) => `"${s}"`).join(', ')} ('self', 'none' or https://origin)`,
        );
      }
      if (sources.includes("'none'") && sources.length > 1) throw new Error("'none' cannot be listed with others");
      return sources;
    },
  };
}
