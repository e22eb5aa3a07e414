import type { Duration } from 'aws-cdk-lib';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { DevauthConstructError } from './errors.js';
import type { DevauthApiTarget } from './policies.js';
import { AUTH_ROUTE_PATHS, type AuthRoute, type DevauthRoute, PUBLIC_AUTH_ROUTES } from './routes.js';

/** CORS of the API. Preflight (`OPTIONS`) is answered without credentials on both API kinds. */
export interface DevauthCorsOptions {
  /** Exact origins (`https://app.example.com`) or `*`. */
  readonly allowOrigins: readonly string[];
  /** Default: what a SigV4-signing client sends (content-type, authorization and the x-amz-* headers). */
  readonly allowHeaders?: readonly string[];
  /** Default: the response headers a client may read; `x-correlation-id` and `retry-after` are devauth's. */
  readonly exposeHeaders?: readonly string[];
  /** How long browsers cache a preflight answer. Default 1 hour. */
  readonly maxAge?: Duration;
}

export const DEFAULT_CORS_HEADERS: readonly string[] = [
  'content-type',
  'authorization',
  'x-amz-date',
  'x-amz-security-token',
  'x-amz-content-sha256',
];
export const DEFAULT_CORS_EXPOSE_HEADERS: readonly string[] = ['x-correlation-id', 'retry-after'];

/** API Gateway throttling: steady requests per second and burst (token bucket size). */
export interface DevauthThrottle {
  readonly rateLimit: number;
  readonly burstLimit: number;
}

/** Stage default, every route: generous enough for an app, a ceiling for runaway clients. */
export const DEFAULT_STAGE_THROTTLE: DevauthThrottle = { rateLimit: 100, burstLimit: 200 };
/**
 * The five public auth routes: callers have no credentials yet, so IAM stops nothing; the handlers throttle per
 * username and address, and this bounds the total rate of password hashing (and cost) under a flood.
 */
export const DEFAULT_AUTH_THROTTLE: DevauthThrottle = { rateLimit: 20, burstLimit: 40 };

/** The functions of the handlers' routes; a `DevauthAuthFunctions` has this shape (`functions`). */
export type AuthRouteFunctions = Readonly<Partial<Record<AuthRoute, IFunction>>>;

export interface DevauthApiProps {
  /**
   * The handlers' functions: each one present is mounted at its AUTH_ROUTE_PATHS (`guest` and the admin routes may
   * be absent). `me` is required.
   */
  readonly authFunctions: AuthRouteFunctions;
  /** App routes, each behind AWS_IAM. */
  readonly routes?: readonly DevauthRoute[];
  readonly cors?: DevauthCorsOptions;
  /** Default DEFAULT_STAGE_THROTTLE. */
  readonly throttle?: DevauthThrottle;
  /** Default DEFAULT_AUTH_THROTTLE. */
  readonly authThrottle?: DevauthThrottle;
  readonly apiName?: string;
}

/** A deployed devauth API, whichever kind: what the roles, the outputs and other stacks read. */
export interface IDevauthApi extends DevauthApiTarget {
  /** The base URL clients call (`https://.../` for HTTP APIs, `https://.../<stage>/` for REST APIs). */
  readonly url: string;
}

/** One route to create: where it is, what runs, and whether IAM guards it. */
export interface PlannedRoute {
  readonly method: string;
  readonly path: string;
  readonly handler: IFunction;
  readonly iam: boolean;
  /** Set for the public auth routes: their own (stricter) throttle. */
  readonly authRoute?: AuthRoute;
}

/**
 * Every route of the API: the auth routes present in `authFunctions`, then the app routes. Refuses an API without
 * `me`, and app routes on `OPTIONS`: preflight must reach API Gateway's own CORS answer without credentials, and an
 * `OPTIONS` route behind IAM would take it over.
 */
export function plannedRoutes(
  scope: { readonly node: { readonly path: string } },
  props: DevauthApiProps,
): PlannedRoute[] {
  if (!props.authFunctions.me) throw new DevauthConstructError(scope.node.path, 'authFunctions.me is required.');
  const planned: PlannedRoute[] = [];
  for (const route of Object.keys(AUTH_ROUTE_PATHS) as AuthRoute[]) {
    const handler = props.authFunctions[route];
    if (!handler) continue;
    const isPublic = PUBLIC_AUTH_ROUTES.includes(route);
    planned.push({ ...AUTH_ROUTE_PATHS[route], handler, iam: !isPublic, ...(isPublic ? { authRoute: route } : {}) });
  }
  for (const route of props.routes ?? []) {
    if (route.method === 'OPTIONS') {
      throw new DevauthConstructError(
        scope.node.path,
        `route "OPTIONS ${route.path}": OPTIONS is reserved for CORS preflight, which is answered without credentials.`,
      );
    }
    planned.push({ method: route.method, path: route.path, handler: route.handler, iam: true });
  }
  return planned;
}

/** The methods CORS allows: those of the routes, and OPTIONS. */
export function corsMethods(routes: readonly PlannedRoute[]): string[] {
  return [...new Set([...routes.map((route) => route.method), 'OPTIONS'])];
}

/** `Stack-Devauth-Api` rather than the construct id alone: tells the APIs of several stacks apart in the console. */
export function defaultApiName(scope: { readonly node: { readonly path: string } }): string {
  return scope.node.path.split('/').join('-');
}
