import { type AccessTable, DEFAULT_ACCESS_ROLES, defineAccessTable } from '@devauth/access';
import { createCognitoIdentityBroker } from '@devauth/adapters-cognito';
import {
  type AccountTokenStore,
  ADMIN_ROLE,
  createDevauth,
  type Devauth,
  type DevauthConfigInput,
  type DevauthDependencies,
  GUEST_ROLE,
  type GuestLinkStore,
  InMemoryOutbox,
  type InvitationStore,
  type LoginAttemptStore,
  type MessageSender,
  type RefreshTokenStore,
  type UserStore,
} from '@devauth/core';
import { type AuthHandlers, createAuthHandlers, type Logger, silentLogger } from '@devauth/lambda-handlers';
import { createGuard, type Guard } from '@devauth/lambda-handlers/access';
import { HANDLER_ROUTES, ROUTE_NAMES, type RouteName } from '@devauth/lambda-handlers/env';
import {
  type IdentityPoolEmulator,
  type IdentityPoolEmulatorOptions,
  type LocalGateway,
  type LocalRoute,
  startIdentityPoolEmulator,
  startLocalGateway,
} from '@devauth/local';
import { type AppRoute, guardedAppRoutes } from './app-routes.js';

/** The stores the stack serves: any adapter's (in-memory, PGlite, PostgreSQL, DynamoDB). */
export interface LocalStackStores {
  readonly users: UserStore;
  readonly refreshTokens: RefreshTokenStore;
  readonly loginAttempts: LoginAttemptStore;
  readonly invitations: InvitationStore;
  readonly guestLinks: GuestLinkStore;
  readonly accountTokens: AccountTokenStore;
}

export interface LocalStackOptions {
  readonly stores: LocalStackStores;
  /** The app's own routes, with the roles that may call each; they also make the access table. */
  readonly routes?: readonly AppRoute[];
  /**
   * Roles that may call `GET /me`; every one of them but guest may call the account routes, and the admin routes are
   * served (to `admin` only) when `admin` is among them. Default: guest, shopper, seller and admin
   * (`DEFAULT_ACCESS_ROLES`).
   */
  readonly meRoles?: readonly string[];
  /** The core's settings (token duration, throttling, ...). */
  readonly config?: DevauthConfigInput;
  /** Replaces the core's default hasher, common-password list, clock, ids or event sink (e.g. cheap test hashes). */
  readonly devauth?: Pick<
    DevauthDependencies,
    'hasher' | 'commonPasswords' | 'clock' | 'ids' | 'events' | 'rolePolicy'
  >;
  /**
   * Where reset and verification messages and notifications go. Default: a new in-memory outbox
   * (`LocalStack.outbox`).
   */
  readonly messages?: MessageSender;
  /** Default `us-east-1`. */
  readonly region?: string;
  /** A fixed identity pool id (`<region>:<uuid>`). Default: a new one each start. */
  readonly identityPoolId?: string;
  /** The identity pool's developer provider name. Default `login.devauth.local`. */
  readonly developerProviderName?: string;
  /** Whether guests get identities (the pool's unauthenticated access). Default true. */
  readonly allowGuests?: boolean;
  /** More emulator settings (credential lifetime, a fixed port, link conflicts, ...). */
  readonly emulator?: Omit<IdentityPoolEmulatorOptions, 'region' | 'pools' | 'backendCredentials'>;
  /**
   * An emulator to use instead of starting one (started with `LOCAL_BACKEND_CREDENTIALS`), which `stop()` leaves
   * running: the dev server restarts the stack for a new route table and keeps the identities and the credentials
   * clients hold. Its pool `identityPoolId` is used when it exists, created otherwise. `emulator` is then ignored.
   */
  readonly runningEmulator?: IdentityPoolEmulator;
  /** A fixed gateway port. Default 0 (a free one). */
  readonly gatewayPort?: number;
  /** How long the guard and `me` reuse a user lookup. Default 30 s, as in Lambda; tests of revocation use 0. */
  readonly guardCacheTtlSeconds?: number;
  /** The handlers' logger. Default silent (a local stack is narrated by whoever runs it). */
  readonly logger?: Logger;
  /** Receives the Cognito adapter's reports. Default: dropped, like the handlers' logs. */
  readonly brokerLogger?: { error(message: string): void; warn?(message: string): void };
}

export interface LocalStack {
  /** The gateway's `http://127.0.0.1:port`: the API base URL a client uses. */
  readonly endpoint: string;
  readonly region: string;
  readonly identityPoolId: string;
  readonly developerProviderName: string;
  readonly emulator: IdentityPoolEmulator;
  readonly gateway: LocalGateway;
  /**
   * The access table the gateway's IAM policies and the guard both come from: `GET /me`, the account routes, the
   * admin routes (when `admin` is among `meRoles`) and the app routes.
   */
  readonly accessTable: AccessTable;
  readonly devauth: Devauth;
  readonly handlers: AuthHandlers;
  readonly guard: Guard;
  readonly stores: LocalStackStores;
  /** The outbox messages went to, when the stack made one (no `messages` option): read tokens from it. */
  readonly outbox: InMemoryOutbox | undefined;
  /** Stops the gateway, the emulator and the Cognito client; the stores belong to the caller. Idempotent. */
  stop(): Promise<void>;
}

/** The backend's own AWS credentials: the emulator verifies every developer call the Cognito adapter signs. */
export const LOCAL_BACKEND_CREDENTIALS = {
  accessKeyId: 'devauth-local-backend',
  secretAccessKey: 'devauth-local-backend-secret',
} as const;
const BACKEND_CREDENTIALS = LOCAL_BACKEND_CREDENTIALS;

/**
 * The whole devauth architecture on this machine: the identity-pool emulator with one pool, the real Cognito adapter
 * pointed at it, the auth handlers over the stores it is given, the app's routes behind the in-Lambda guard, and the
 * local gateway checking SigV4 and the generated IAM policies in front of all of it. The demo, the end-to-end tests
 * and the dev server all start it here, so there is one wiring to keep true.
 *
 * Every route of the handlers is served as their HANDLER_ROUTES declare it: the public ones
 * (`POST /auth/{guest,register,login,refresh,logout}`, `/auth/password/{forgot,reset}`, `/auth/email/verify`) open,
 * like their API Gateway routes; `GET /me`, the signed-in account routes (`/me/...`) and the admin routes
 * (`/admin/...`, `admin` only) AWS_IAM, like the app's routes.
 */
export async function startLocalStack(options: LocalStackOptions): Promise<LocalStack> {
  const region = options.region ?? 'us-east-1';
  const developerProviderName = options.developerProviderName ?? 'login.devauth.local';
  const routes = options.routes ?? [];
  // Validated before anything starts, so a bad route leaves nothing running.
  const meRoles = options.meRoles ?? DEFAULT_ACCESS_ROLES;
  const own = ownRoutes(meRoles);
  const accessTable = defineAccessTable([
    ...own.flatMap(({ name, roles }) => {
      const { method, path } = HANDLER_ROUTES[name];
      return roles ? [{ method, path, roles }] : [];
    }),
    ...routes.map(({ method, path, roles }) => ({ method, path, roles })),
  ]);
  const outbox = options.messages ? undefined : new InMemoryOutbox();
  const messages = options.messages ?? outbox!;
  const stops: Array<() => Promise<void> | void> = [];
  const stop = async () => {
    for (const step of stops.splice(0).reverse()) await step();
  };
  try {
    const emulator =
      options.runningEmulator ??
      (await startIdentityPoolEmulator({
        ...options.emulator,
        region,
        backendCredentials: BACKEND_CREDENTIALS,
      }));
    if (!options.runningEmulator) stops.push(() => emulator.stop());
    const existingPool = options.identityPoolId === undefined ? undefined : emulator.pools.get(options.identityPoolId);
    const pool =
      existingPool ??
      emulator.createPool({
        ...(options.identityPoolId === undefined ? {} : { identityPoolId: options.identityPoolId }),
        developerProviderName,
        allowUnauthenticatedIdentities: options.allowGuests ?? true,
      });
    const broker = createCognitoIdentityBroker({
      identityPoolId: pool.identityPoolId,
      developerProviderName,
      clientConfig: { endpoint: emulator.endpoint, region, credentials: BACKEND_CREDENTIALS },
      logger: options.brokerLogger ?? { error: () => undefined, warn: () => undefined },
    });
    stops.push(() => broker.close());
    const devauth = createDevauth({ ...options.stores, ...options.devauth, messages, broker }, options.config);
    const cacheTtlSeconds = options.guardCacheTtlSeconds;
    const lookupCache = cacheTtlSeconds === undefined ? {} : { cacheTtlSeconds };
    const handlers = createAuthHandlers({
      devauth,
      // The configured roles, as in Lambda: the handlers' own guards (account and admin routes) are built from them.
      me: {
        users: options.stores.users,
        identityPoolId: pool.identityPoolId,
        roles: devauth.config.roles,
        ...lookupCache,
      },
      logger: options.logger ?? silentLogger,
    });
    const guard = createGuard({
      table: accessTable,
      users: options.stores.users,
      identityPoolId: pool.identityPoolId,
      ...lookupCache,
    });
    const gateway = await startLocalGateway({
      region,
      emulator,
      accessTable,
      identityPoolId: pool.identityPoolId,
      ...(options.gatewayPort === undefined ? {} : { port: options.gatewayPort }),
      ...(options.emulator?.clock ? { clock: options.emulator.clock } : {}),
      routes: [
        ...own.map(({ name, roles }) => handlerRoute(name, roles !== undefined, handlers)),
        ...guardedAppRoutes(routes, guard),
      ],
    });
    stops.push(() => gateway.stop());
    return {
      endpoint: gateway.endpoint,
      region,
      identityPoolId: pool.identityPoolId,
      developerProviderName,
      emulator,
      gateway,
      accessTable,
      devauth,
      handlers,
      guard,
      stores: options.stores,
      outbox,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

/**
 * The handlers' routes the stack serves, in HANDLER_ROUTES order, with the roles of each AWS_IAM one (none for a
 * public route): `GET /me` for `meRoles`, the account routes for every one of them but guest (as in the deployment's
 * table), the admin routes for `admin` alone and only when `meRoles` lists it (without it no caller could pass them:
 * they are not served, as `@devauth/cdk` does not deploy them).
 */
function ownRoutes(meRoles: readonly string[]): Array<{ name: RouteName; roles?: readonly string[] }> {
  const userRoles = meRoles.filter((role) => role !== GUEST_ROLE);
  const roles = { me: meRoles, account: userRoles, admin: [ADMIN_ROLE] } as const;
  return ROUTE_NAMES.flatMap((name) => {
    const { access } = HANDLER_ROUTES[name];
    if (access === 'public') return [{ name }];
    if (access === 'admin' && !userRoles.includes(ADMIN_ROLE)) return [];
    return [{ name, roles: roles[access] }];
  });
}

/** One handler route on the gateway, as API Gateway mounts it: AWS_IAM unless it is public. */
function handlerRoute(name: RouteName, iam: boolean, handlers: AuthHandlers): LocalRoute {
  const { method, path } = HANDLER_ROUTES[name];
  return { method, path, payload: 'v2', auth: iam ? 'AWS_IAM' : 'NONE', handler: handlers[name] };
}
