/**
 * A handler's result back to the wire: the proxy response of either payload format to status, headers and body, or a
 * MalformedResponseError where API Gateway would answer 502.
 */

/** What goes back on the wire. */
export interface GatewayResponse {
  readonly statusCode: number;
  readonly headers: Record<string, string | string[]>;
  readonly body: Buffer;
}

/** Thrown when a handler's result is not a valid proxy response: API Gateway answers 502. */
export class MalformedResponseError extends Error {}

export function fromV1Result(result: unknown): GatewayResponse {
  if (!isRecord(result) || typeof result.statusCode !== 'number' || !Number.isInteger(result.statusCode)) {
    throw new MalformedResponseError('Malformed Lambda proxy response');
  }
  const headers: Record<string, string | string[]> = {};
  if (isRecord(result.multiValueHeaders)) {
    for (const [name, values] of Object.entries(result.multiValueHeaders)) {
      if (Array.isArray(values)) headers[name] = values.map(String);
    }
  }
  if (isRecord(result.headers)) {
    for (const [name, value] of Object.entries(result.headers)) headers[name] = String(value);
  }
  return { statusCode: result.statusCode, headers: withContentType(headers), body: bodyOf(result) };
}

export function fromV2Result(result: unknown): GatewayResponse {
  if (!isRecord(result) || result.statusCode === undefined) {
    // Payload 2.0: anything without statusCode is taken as the JSON body of a 200.
    return {
      statusCode: 200,
      headers: { 'content-type': 'application/json' },
      body: Buffer.from(JSON.stringify(result ?? null), 'utf8'),
    };
  }
  if (typeof result.statusCode !== 'number' || !Number.isInteger(result.statusCode)) {
    throw new MalformedResponseError('Malformed Lambda proxy response');
  }
  const headers: Record<string, string | string[]> = {};
  if (isRecord(result.headers)) {
    for (const [name, value] of Object.entries(result.headers)) headers[name] = String(value);
  }
  if (Array.isArray(result.cookies) && result.cookies.length > 0) headers['set-cookie'] = result.cookies.map(String);
  return { statusCode: result.statusCode, headers: withContentType(headers), body: bodyOf(result) };
}

function bodyOf(result: Record<string, unknown>): Buffer {
  if (result.body === undefined || result.body === null) return Buffer.alloc(0);
  const body = String(result.body);
  return Buffer.from(body, result.isBase64Encoded === true ? 'base64' : 'utf8');
}

function withContentType(headers: Record<string, string | string[]>): Record<string, string | string[]> {
  const hasType = Object.keys(headers).some((name) => name.toLowerCase() === 'content-type');
  return hasType ? headers : { ...headers, 'content-type': 'application/json' };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
