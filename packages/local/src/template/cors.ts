import type { CorsConfiguration } from './api-routes.js';

/**
 * An HTTP API's CORS as API Gateway applies it when the API has a CorsConfiguration
 * (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-cors.html): it answers preflight OPTIONS
 * requests itself, even without an OPTIONS route, and for CORS requests it adds the configured headers to the
 * integration's response, ignoring CORS headers the integration sent.
 */
export function preflightResponse(cors: CorsConfiguration, headers: Readonly<Record<string, string | undefined>>) {
  const origin = header(headers, 'origin');
  const requested = header(headers, 'access-control-request-method');
  const allowOrigin = origin === undefined ? undefined : allowedOrigin(cors, origin);
  if (allowOrigin === undefined || requested === undefined) return { statusCode: 204, headers: {}, body: '' };
  return {
    statusCode: 204,
    headers: {
      'access-control-allow-origin': allowOrigin,
      ...(cors.allowMethods.length ? { 'access-control-allow-methods': cors.allowMethods.join(',') } : {}),
      ...(cors.allowHeaders.length ? { 'access-control-allow-headers': cors.allowHeaders.join(',') } : {}),
      ...(cors.maxAge === undefined ? {} : { 'access-control-max-age': String(cors.maxAge) }),
      ...(cors.allowCredentials ? { 'access-control-allow-credentials': 'true' } : {}),
    },
    body: '',
  };
}

/** The integration's response with the API's CORS headers in place of its own. */
export function withCorsHeaders(
  cors: CorsConfiguration,
  requestHeaders: Readonly<Record<string, string | undefined>>,
  result: unknown,
): unknown {
  const origin = header(requestHeaders, 'origin');
  const allowOrigin = origin === undefined ? undefined : allowedOrigin(cors, origin);
  // Payload 2.0 lets a function answer a bare value (a JSON 200): made explicit here so headers can be added.
  const response =
    result !== null && typeof result === 'object' && 'statusCode' in result
      ? (result as { headers?: Record<string, string> })
      : {
          statusCode: 200,
          headers: { 'content-type': 'application/json' },
          body: typeof result === 'string' ? result : JSON.stringify(result),
        };
  const own = Object.entries(response.headers ?? {}).filter(([name]) => !/^access-control-/i.test(name));
  return {
    ...response,
    headers: {
      ...Object.fromEntries(own),
      ...(allowOrigin === undefined
        ? {}
        : {
            'access-control-allow-origin': allowOrigin,
            ...(cors.exposeHeaders.length ? { 'access-control-expose-headers': cors.exposeHeaders.join(',') } : {}),
            ...(cors.allowCredentials ? { 'access-control-allow-credentials': 'true' } : {}),
          }),
    },
  };
}

function allowedOrigin(cors: CorsConfiguration, origin: string): string | undefined {
  if (cors.allowOrigins.includes(origin)) return origin;
  return cors.allowOrigins.includes('*') ? '*' : undefined;
}

function header(headers: Readonly<Record<string, string | undefined>>, name: string): string | undefined {
  for (const [key, value] of Object.entries(headers ?? {})) if (key.toLowerCase() === name) return value;
  return undefined;
}
