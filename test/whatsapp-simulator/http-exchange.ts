import type { IncomingMessage, ServerResponse } from 'node:http';

/** Reading and answering JSON over Node's `http`, shared by the Graph API and the control API. */

const BODY_LIMIT_BYTES = 1024 * 1024;

export interface RequestBody {
  raw: string;
  /** Parsed JSON, or `undefined` when the body is empty or not JSON. */
  json: unknown;
  tooLarge: boolean;
}

export async function readBody(req: IncomingMessage): Promise<RequestBody> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    // Keep draining so the client gets an answer, but stop keeping what is over the limit.
    if (size <= BODY_LIMIT_BYTES) chunks.push(chunk);
  }
  const raw = Buffer.concat(chunks).toString('utf8');
  let json: unknown;
  try {
    json = raw === '' ? undefined : JSON.parse(raw);
  } catch {
    json = undefined;
  }
  return { raw, json, tooLarge: size > BODY_LIMIT_BYTES };
}

export function sendJson(
  res: ServerResponse,
  httpStatus: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  if (res.writableEnded || res.destroyed) return;
  const text = JSON.stringify(body);
  res.writeHead(httpStatus, {
    'content-type': 'application/json; charset=UTF-8',
    'content-length': Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}
