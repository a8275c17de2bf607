import { randomBytes } from 'node:crypto';
import { request } from 'undici';

export interface WebhookVerificationResult {
  /** True when the app answered 200 with exactly the challenge. */
  verified: boolean;
  httpStatus?: number;
  challenge: string;
  body?: string;
  error?: string;
}

/**
 * The subscription handshake Meta performs when a webhook URL is configured:
 * `GET url?hub.mode=subscribe&hub.verify_token=…&hub.challenge=…`, expecting 200 and the
 * challenge echoed as the body.
 */
export async function verifyWebhookSubscription(options: {
  url: string;
  verifyToken: string;
  challenge?: string;
  timeoutMs?: number;
}): Promise<WebhookVerificationResult> {
  const challenge = options.challenge ?? String(randomBytes(4).readUInt32BE(0));
  const url = new URL(options.url);
  url.searchParams.set('hub.mode', 'subscribe');
  url.searchParams.set('hub.verify_token', options.verifyToken);
  url.searchParams.set('hub.challenge', challenge);
  try {
    const timeout = options.timeoutMs ?? 5000;
    const response = await request(url, { method: 'GET', headersTimeout: timeout, bodyTimeout: timeout });
    const body = await response.body.text();
    return {
      verified: response.statusCode === 200 && body === challenge,
      httpStatus: response.statusCode,
      challenge,
      body,
    };
  } catch (error) {
    return { verified: false, challenge, error: (error as Error).message };
  }
}
