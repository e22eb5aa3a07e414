import type { HttpMethod } from '@devauth/access';
import type { Caller, Guard } from '@devauth/lambda-handlers/access';
import type { LocalRoute } from '@devauth/local';

/** What an app handler of the local stack answers; `body` is sent as JSON. Default status 200. */
export interface AppResponse {
  readonly statusCode?: number;
  readonly body?: unknown;
  readonly headers?: Readonly<Record<string, string>>;
}

/**
 * One of the app's own routes: its access (the roles that may call it, the row of the one route -> roles table) and
 * the handler behind it. The stack puts the in-Lambda guard in front, so the handler runs only for a caller the
 * table allows, and receives that caller with the raw API Gateway event.
 */
export interface AppRoute {
  readonly method: HttpMethod;
  /** An API Gateway path template, e.g. `/products/{id}`. */
  readonly path: string;
  readonly roles: readonly string[];
  /** The proxy event's payload version. Default `'v2'` (HTTP API). */
  readonly payload?: 'v1' | 'v2';
  handler(request: { readonly caller: Caller; readonly event: unknown }): AppResponse | Promise<AppResponse>;
}

/** Gateway routes (AWS_IAM) for the app's routes, each behind the guard, answering as a Lambda proxy would. */
export function guardedAppRoutes(routes: readonly AppRoute[], guard: Guard): LocalRoute[] {
  return routes.map((route) => {
    const handler = async (event: unknown) => {
      const decision = await guard.authorize(event);
      if (!decision.allowed) {
        return {
          statusCode: decision.statusCode,
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ reason: decision.reason }),
        };
      }
      const response = await route.handler({ caller: decision.caller, event });
      return {
        statusCode: response.statusCode ?? 200,
        headers: { 'content-type': 'application/json', ...response.headers },
        body: response.body === undefined ? '' : JSON.stringify(response.body),
      };
    };
    return { method: route.method, path: route.path, payload: route.payload ?? 'v2', auth: 'AWS_IAM', handler };
  });
}
