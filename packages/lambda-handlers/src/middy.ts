/**
 * `@devauth/lambda-handlers/middy`: the handlers as middy middleware (middy >= 5, an optional peer dependency).
 *
 *   import middy from '@middy/core';
 *   import { devauthMiddleware } from '@devauth/lambda-handlers/middy';
 *   export const handler = middy().use(devauthMiddleware(handlers.login));
 *
 * The middleware answers in `before` (middy's early-response pattern), so middlewares registered before it (tracing,
 * metrics, ...) still wrap it and the handler body passed to middy, if any, is not reached. Types are declared
 * structurally so this module imports nothing from middy.
 */
import type { ApiGatewayProxyEvent, ApiGatewayProxyResult, LambdaContextLike } from './events.js';
import type { ApiGatewayHandler } from './handlers/route.js';

/** The part of middy's `Request` this middleware reads. */
export interface MiddyRequestLike {
  readonly event: ApiGatewayProxyEvent;
  readonly context: LambdaContextLike;
}

/** Matches middy's `MiddlewareObj<ApiGatewayProxyEvent, ApiGatewayProxyResult>`. */
export interface DevauthMiddleware {
  readonly name: string;
  readonly before: (request: MiddyRequestLike) => Promise<ApiGatewayProxyResult>;
}

/** Wraps one devauth handler (`createLoginHandler(...)`, `handlers.login`, ...) as a middy middleware. */
export function devauthMiddleware(handler: ApiGatewayHandler, name = 'devauth'): DevauthMiddleware {
  return { name, before: (request) => handler(request.event, request.context) };
}
