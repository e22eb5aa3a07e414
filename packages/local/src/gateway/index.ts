import type { AddressInfo } from 'node:net';
import type { AccessTable } from '@devauth/access';
import { allowedHostNames } from '../host-check.js';
import type { EmulatorClock } from '../identity-pool/emulator.js';
import { AccessPolicy, type RolePolicies } from './access-policy.js';
import type { CredentialsSource } from './authorize.js';
import { type ApiGatewayV1Event, type ApiGatewayV2Event, DEFAULT_STAGE, stagePrefix } from './events.js';
import { compileRoute } from './routes.js';
import { type CompiledRoute, createGatewayServer, type LocalLambdaContext } from './server.js';

export type { RolePolicies } from './access-policy.js';
export type { ApiGatewayV1Event, ApiGatewayV2Event } from './events.js';
export type { LocalLambdaContext } from './server.js';

interface RouteBase {
  /** `GET`, `POST`, …, or `ANY`. */
  readonly method: string;
  /** `/products/{id}`; a greedy `{proxy+}` may end the path. */
  readonly path: string;
  readonly auth: 'NONE' | 'AWS_IAM';
}

// Handlers are declared with method syntax on purpose: method parameters are checked bivariantly, so handlers typed
// with `@types/aws-lambda` (or the lambda-handlers package's own event types) can be passed without casts.
export interface LocalRouteV1 extends RouteBase {
  readonly payload: 'v1';
  handler(event: ApiGatewayV1Event, context: LocalLambdaContext): Promise<unknown>;
}

export interface LocalRouteV2 extends RouteBase {
  readonly payload: 'v2';
  handler(event: ApiGatewayV2Event, context: LocalLambdaContext): Promise<unknown>;
}

export type LocalRoute = LocalRouteV1 | LocalRouteV2;

export interface LocalGatewayOptions {
  /** 0 (default) picks a free port. */
  readonly port?: number;
  /** Default `127.0.0.1` (loopback: nothing off this machine can reach it). */
  readonly host?: string;
  /**
   * Host names (without port) requests may carry in their Host header besides the listening address, `localhost`,
   * `127.0.0.1` and `[::1]`; any other Host is refused with 403 (DNS-rebinding protection).
   */
  readonly allowedHosts?: readonly string[];
  /** The region requests must be signed for (credential scope). */
  readonly region: string;
  /** The API owner's account, in events and execute-api ARNs. Default `000000000000`. */
  readonly accountId?: string;
  /** Default `devauthapi`. */
  readonly apiId?: string;
  /**
   * Which kind of API Gateway API the routes make up, as deployed:
   * - `'http'` (default): an HTTP API. Routes may use either payload format (HTTP APIs integrate Lambda with format
   *   1.0 or 2.0: https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations-lambda.html),
   *   so one gateway can mix `v1` and `v2` routes. Unknown routes: 404 `{"message":"Not Found"}`.
   * - `'rest'`: a REST API. Every route must be `payload: 'v1'` (REST API Lambda proxy integrations send format 1.0
   *   only). Unknown routes: 403 `{"message":"Missing Authentication Token"}` (`MissingAuthenticationTokenException`).
   */
  readonly apiKind?: 'rest' | 'http';
  /**
   * The stage routes are served under, as in the deployed URL: `/<stage>/...` for a REST API
   * (`https://{api-id}.execute-api.{region}.amazonaws.com/{stage}/`) and for a named HTTP API stage; no prefix for
   * the HTTP API `$default` stage. Letters, digits, `-` and `_`, or `$default` (HTTP APIs only).
   * Default: `'$default'` for `'http'`, `'local'` for `'rest'`.
   */
  readonly stage?: string;
  /** The identity-pool emulator (or anything with its `credentials.lookup`) that issued the callers' credentials. */
  readonly emulator: CredentialsSource;
  /**
   * Route-to-roles table (`defineAccessTable` of `@devauth/access`); AWS_IAM routes then apply its generated role
   * policies as IAM would. Without it, any validly signed request is allowed.
   */
  readonly accessTable?: AccessTable;
  /**
   * The roles' permission documents as deployed (e.g. read from a synthesized template), instead of `accessTable`:
   * AWS_IAM routes then allow what these documents allow. Give one of the two, not both.
   */
  readonly rolePolicies?: RolePolicies;
  /** The pool the roles trust; credentials from another pool are denied. Default: the credentials' own pool. */
  readonly identityPoolId?: string;
  readonly routes: readonly LocalRoute[];
  /** Clock for signature skew and credential expiry; share the emulator's in tests. */
  readonly clock?: EmulatorClock;
  /** Largest accepted request body. Default 10 MiB (API Gateway's payload limit). */
  readonly maxBodyBytes?: number;
}

export interface LocalGateway {
  /**
   * The invoke URL, the base every route path is appended to: `http://host:port` at `$default`,
   * `http://host:port/<stage>` for a REST API or a named HTTP API stage (no trailing slash).
   */
  readonly endpoint: string;
  readonly port: number;
  /** Stops listening and closes every connection. */
  stop(): Promise<void>;
}

/**
 * Starts a local API Gateway, a REST or an HTTP API (`apiKind`) served under its stage as deployed: SigV4 +
 * access-table checks for AWS_IAM routes, v1/v2 proxy events for handlers.
 */
export async function startLocalGateway(options: LocalGatewayOptions): Promise<LocalGateway> {
  if (!/^[a-z0-9-]+$/.test(options.region)) throw new RangeError(`Invalid region: ${options.region}`);
  const kind = options.apiKind ?? 'http';
  if (kind !== 'rest' && kind !== 'http') throw new RangeError(`Invalid apiKind: ${String(kind)}`);
  const stage = options.stage ?? (kind === 'rest' ? 'local' : DEFAULT_STAGE);
  const namedStage = /^[A-Za-z0-9_-]{1,128}$/.test(stage);
  if (!namedStage && !(kind === 'http' && stage === DEFAULT_STAGE)) {
    throw new RangeError(
      `Invalid stage for ${kind === 'rest' ? 'a REST' : 'an HTTP'} API: ${stage} (letters, digits, '-' and '_'` +
        `${kind === 'http' ? `, or ${DEFAULT_STAGE}` : ''})`,
    );
  }
  if (kind === 'rest') {
    const v2 = options.routes.find((route) => route.payload !== 'v1');
    if (v2) {
      throw new RangeError(
        `A REST API sends payload format 1.0 only: ${v2.method} ${v2.path} has payload '${v2.payload}' (use apiKind 'http')`,
      );
    }
  }
  const routes = options.routes.map((route) =>
    compileRoute<CompiledRoute>(route.method, route.path, {
      payload: route.payload,
      auth: route.auth,
      invoke: (event, context) =>
        (route.handler as (event: unknown, context: LocalLambdaContext) => Promise<unknown>)(event, context),
    }),
  );
  if (options.accessTable !== undefined && options.rolePolicies !== undefined) {
    throw new RangeError('Give the gateway accessTable or rolePolicies, not both');
  }
  const access =
    options.rolePolicies !== undefined
      ? new AccessPolicy({ documents: options.rolePolicies }, options.identityPoolId)
      : options.accessTable === undefined
        ? undefined
        : new AccessPolicy({ table: options.accessTable }, options.identityPoolId);
  const clock = options.clock ?? { now: () => new Date() };

  const host = options.host ?? '127.0.0.1';
  const server = createGatewayServer({
    routes,
    api: {
      region: options.region,
      accountId: options.accountId ?? '000000000000',
      apiId: options.apiId ?? 'devauthapi',
      stage,
      kind,
    },
    source: options.emulator,
    access,
    now: () => clock.now(),
    maxBodyBytes: options.maxBodyBytes ?? 10 * 1024 * 1024,
    allowedHosts: allowedHostNames(host, options.allowedHosts),
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;

  let stopped: Promise<void> | undefined;
  return {
    endpoint: `http://${host.includes(':') ? `[${host}]` : host}:${port}${stagePrefix(stage)}`,
    port,
    stop() {
      stopped ??= new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      });
      return stopped;
    },
  };
}
