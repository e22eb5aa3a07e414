import { randomUUID } from 'node:crypto';
import { isDevauthError } from '@devauth/core';
import { clientAddressOf, compileTrustedProxies, type TrustedProxies } from '../client-address.js';
import {
  type ApiGatewayProxyEvent,
  type ApiGatewayProxyResult,
  type HttpRequest,
  type LambdaContextLike,
  normalizeEvent,
} from '../events.js';
import { corsHeaders, DEFAULT_MAX_BODY_BYTES, type HttpResponse, toProxyResult } from '../http.js';
import { mapError } from '../http-errors.js';
import { createJsonLogger, type Logger } from '../logger.js';

import type { RouteName } from '../routes.js';

export type { RouteName };

/** A Lambda handler for API Gateway proxy events of either payload version. */
export type ApiGatewayHandler = (
  event: ApiGatewayProxyEvent,
  context?: LambdaContextLike,
) => Promise<ApiGatewayProxyResult>;

/** Settings every route shares. */
export interface EdgeOptions {
  /** Default: JSON lines on stdout. A Powertools Logger fits as is. */
  readonly logger?: Logger;
  /** Origins allowed by CORS (exact, or `*`). Default: none (no CORS headers). */
  readonly corsOrigins?: readonly string[];
  /** Largest accepted request body, in bytes (decoded). Default 16 KiB. */
  readonly maxBodyBytes?: number;
  /**
   * Proxies in front of API Gateway (addresses or CIDR ranges) whose `X-Forwarded-For` entries are believed. Default
   * none: only API Gateway's `sourceIp` counts. See client-address.ts.
   */
  readonly trustedProxies?: TrustedProxies;
}

export interface RouteRequest extends HttpRequest {
  readonly event: ApiGatewayProxyEvent;
  readonly maxBodyBytes: number;
  /** The address throttling and rate limits count by: `sourceIp`, or the client behind trusted proxies. */
  readonly clientAddress: string | undefined;
}

/**
 * The frame around every route: normalizes the event, answers CORS preflights, maps errors to responses, adds CORS
 * headers and writes exactly one log line with the outcome. The route itself only turns a request into a response.
 */
export function createRoute(
  route: RouteName,
  options: EdgeOptions,
  run: (request: RouteRequest) => Promise<HttpResponse>,
): ApiGatewayHandler {
  const logger = options.logger ?? createJsonLogger();
  const cors = { origins: options.corsOrigins ?? [] };
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const trustedProxies = compileTrustedProxies(options.trustedProxies);
  return async (event, context) => {
    const started = performance.now();
    const request = normalizeEvent(event);
    // The Lambda request id ties the response to CloudWatch logs; outside Lambda a random id does the same job.
    const requestId = context?.awsRequestId || request.requestId || randomUUID();
    const preflight = request.method === 'OPTIONS';
    let response: HttpResponse;
    let errorCode: string | undefined;
    let failure: unknown;
    if (preflight) {
      response = { statusCode: 204 };
    } else {
      try {
        response = await run({
          ...request,
          event,
          maxBodyBytes,
          clientAddress: clientAddressOf(request, trustedProxies),
        });
      } catch (error) {
        const mapped = mapError(error, requestId);
        response = mapped.response;
        errorCode = mapped.errorCode;
        if (mapped.unexpected) failure = error;
      }
    }
    response = { ...response, headers: { ...response.headers, ...corsHeaders(request, cors, preflight) } };
    const fields = {
      requestId,
      route,
      method: request.method,
      outcome: { statusCode: response.statusCode, ...(errorCode ? { errorCode } : {}) },
      latencyMs: Math.round((performance.now() - started) * 100) / 100,
    };
    if (failure !== undefined) logger.error('request failed', { ...fields, error: describe(failure) });
    else if (response.statusCode >= 500) logger.warn('request', fields);
    else logger.info('request', fields);
    return toProxyResult(request, response);
  };
}

/**
 * What is logged about an unexpected error: its name, code and stack frames, never its message. Messages of driver
 * or SDK errors can quote the values involved (a token digest, a connection string); devauth's own errors are safe
 * by contract, so their messages are kept (a ConfigurationError message is what the operator needs).
 */
function describe(error: unknown): Record<string, unknown> {
  if (!(error instanceof Error)) return { name: typeof error };
  const code = (error as { code?: unknown }).code;
  const own = isDevauthError(error);
  const frames = (error.stack ?? '')
    .split('\n')
    .filter((line) => line.trimStart().startsWith('at '))
    .slice(0, 10)
    .map((line) => line.trim());
  return {
    name: error.name,
    ...(typeof code === 'string' ? { code } : {}),
    ...(own ? { message: error.message } : {}),
    stack: frames,
  };
}
