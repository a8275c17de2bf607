import type { GraphErrorSpec } from './graph-errors';

/**
 * Checks `Authorization: Bearer <token>` for a business phone number id, with the answers the
 * Graph API gives: no token 104, an unknown or revoked token 190 (both HTTP 401), a valid
 * token without access to this phone number id 100 (subcode 33, HTTP 400).
 */
export function checkAccessToken(
  authorization: string | undefined,
  phoneNumberId: string,
  tokens: ReadonlyMap<string, ReadonlySet<string>>,
  isRevoked: (token: string) => boolean,
): GraphErrorSpec | undefined {
  const token = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '')?.[1];
  if (!token) return { code: 104 };
  if (isRevoked(token)) {
    return {
      code: 190,
      subcode: 460,
      message:
        'Error validating access token: The session has been invalidated because the user changed their password ' +
        'or Facebook has changed the session for security reasons.',
    };
  }
  const known = [...tokens.values()].some((set) => set.has(token));
  if (!known) return { code: 190 };
  if (tokens.get(phoneNumberId)?.has(token) || tokens.get('*')?.has(token)) return undefined;
  return {
    code: 100,
    subcode: 33,
    message:
      `Unsupported post request. Object with ID '${phoneNumberId}' does not exist, cannot be loaded due to missing ` +
      'permissions, or does not support this operation. Please read the Graph API documentation at ' +
      'https://developers.facebook.com/docs/graph-api',
  };
}
