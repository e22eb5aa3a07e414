import { ConfigurationError, type Devauth } from '@devauth/core';
import type { ComposeOptions, Composition } from './composition-types.js';
import { type HandlerConfig, type HandlerConfigInput, loadConfig, parseConfig } from './config.js';
import { normalizeEvent } from './events.js';
import {
  createChangeEmailHandler,
  createChangePasswordHandler,
  createDeleteAccountHandler,
  createListSessionsHandler,
  createPasswordForgotHandler,
  createPasswordResetHandler,
  createResendEmailVerificationHandler,
  createRevokeOtherSessionsHandler,
  createRevokeSessionHandler,
  createSignOutEverywhereHandler,
  createVerifyEmailHandler,
} from './handlers/account.js';
import {
  createAdminCreateInvitationHandler,
  createAdminDeleteUserHandler,
  createAdminGetUserHandler,
  createAdminListInvitationsHandler,
  createAdminListUsersHandler,
  createAdminRevokeInvitationHandler,
  createAdminRevokeSessionsHandler,
  createAdminSetRoleHandler,
  createAdminSetStatusHandler,
} from './handlers/admin.js';
import {
  createGuestHandler,
  createLoginHandler,
  createLogoutHandler,
  createRefreshHandler,
  createRegisterHandler,
} from './handlers/auth.js';
import { createMeHandler, type MeDependencies } from './handlers/me.js';
import type { ApiGatewayHandler, EdgeOptions, RouteName } from './handlers/route.js';
import { toProxyResult } from './http.js';
import { mapError } from './http-errors.js';
import { type Lazy, memoize } from './lazy.js';
import { createJsonLogger, type Logger } from './logger.js';

export type AuthHandlers = Readonly<Record<RouteName, ApiGatewayHandler>>;

export interface AuthHandlersOptions extends EdgeOptions {
  readonly devauth: Lazy<Devauth>;
  /**
   * What `me`, the signed-in account routes and the admin routes need to resolve their callers; without it they
   * answer 500 (not configured) and the public routes work as usual.
   */
  readonly me?: Lazy<MeDependencies>;
}

/**
 * Every handler around one core (the auth routes, `me`, the account routes and the admin routes). Nothing is built
 * until a handler runs if `devauth`/`me` are functions.
 */
export function createAuthHandlers(options: AuthHandlersOptions): AuthHandlers {
  const logger = options.logger ?? createJsonLogger();
  const edge: EdgeOptions = { ...options, logger };
  const deps = { ...edge, devauth: memoize(options.devauth) };
  const me =
    options.me ??
    (() => {
      throw new Error('createAuthHandlers: me, the signed-in account and the admin handlers need options.me');
    });
  return {
    register: createRegisterHandler(deps),
    login: createLoginHandler(deps),
    guest: createGuestHandler(deps),
    refresh: createRefreshHandler(deps),
    logout: createLogoutHandler(deps),
    me: createMeHandler({ ...edge, me }),
    passwordForgot: createPasswordForgotHandler(deps),
    passwordReset: createPasswordResetHandler(deps),
    changePassword: createChangePasswordHandler({ ...deps, me }),
    deleteAccount: createDeleteAccountHandler({ ...deps, me }),
    listSessions: createListSessionsHandler({ ...deps, me }),
    revokeSession: createRevokeSessionHandler({ ...deps, me }),
    revokeOtherSessions: createRevokeOtherSessionsHandler({ ...deps, me }),
    signOutEverywhere: createSignOutEverywhereHandler({ ...deps, me }),
    verifyEmail: createVerifyEmailHandler(deps),
    changeEmail: createChangeEmailHandler({ ...deps, me }),
    resendEmailVerification: createResendEmailVerificationHandler({ ...deps, me }),
    adminListUsers: createAdminListUsersHandler({ ...deps, me }),
    adminGetUser: createAdminGetUserHandler({ ...deps, me }),
    adminSetRole: createAdminSetRoleHandler({ ...deps, me }),
    adminSetStatus: createAdminSetStatusHandler({ ...deps, me }),
    adminDeleteUser: createAdminDeleteUserHandler({ ...deps, me }),
    adminRevokeSessions: createAdminRevokeSessionsHandler({ ...deps, me }),
    adminCreateInvitation: createAdminCreateInvitationHandler({ ...deps, me }),
    adminListInvitations: createAdminListInvitationsHandler({ ...deps, me }),
    adminRevokeInvitation: createAdminRevokeInvitationHandler({ ...deps, me }),
  };
}

/**
 * Builds the adapters of a composition (in a tsyringe container, see composition.ts). The module, tsyringe and the
 * adapters are imported here, on first call, never at import time of this package.
 */
export async function composeDevauth(
  config: HandlerConfig | HandlerConfigInput,
  options: ComposeOptions = {},
): Promise<Composition> {
  const { composeDevauth: compose } = await import('./composition.js');
  return compose(parseConfig(config as HandlerConfigInput), options);
}

export interface ConfiguredHandlersOptions extends ComposeOptions {
  /** Request lines of every route, and the admin audit trail (unless an EventSink is registered). */
  readonly logger?: Logger;
}

export interface ConfiguredHandlers extends AuthHandlers {
  /** The composition, built on the first invocation (or now, when awaited: e.g. to close it in tests). */
  readonly composition: () => Promise<Composition>;
}

/**
 * Every handler from a configuration. The configuration is validated now (a ConfigurationError names every
 * problem); adapters are composed on the first invocation and re-used while the Lambda environment stays warm.
 */
export function createHandlersFromConfig(
  input: HandlerConfig | HandlerConfigInput,
  options: ConfiguredHandlersOptions = {},
): ConfiguredHandlers {
  const config = parseConfig(input as HandlerConfigInput);
  // One logger for the request lines and the audit lines of the composition.
  const logger = options.logger ?? createJsonLogger();
  const composition = memoize(() => composeDevauth(config, { ...options, logger }));
  const handlers = createAuthHandlers({
    corsOrigins: config.corsOrigins,
    maxBodyBytes: config.maxBodyBytes,
    trustedProxies: config.trustedProxies,
    logger,
    devauth: async () => (await composition()).devauth,
    me: async () => {
      const { users, devauth, identityPoolId } = await composition();
      return {
        users,
        roles: devauth.config.roles,
        identityPoolId,
        ...(config.guardCacheTtlSeconds !== undefined ? { cacheTtlSeconds: config.guardCacheTtlSeconds } : {}),
      };
    },
  });
  return { ...handlers, composition };
}

/**
 * One route's Lambda handler configured from environment variables, for the `src/entries/*` bundles. Everything,
 * configuration included, happens on the first invocation; an invalid configuration is logged (with the list of
 * problems) and answered with a 500, and is not retried: the environment will not change until a redeploy.
 */
export function createEnvHandler(route: RouteName, options: ConfiguredHandlersOptions = {}): ApiGatewayHandler {
  const logger = options.logger ?? createJsonLogger();
  let handler: ApiGatewayHandler | undefined;
  let failure: unknown;
  return async (event, context) => {
    if (!handler && failure === undefined) {
      try {
        handler = createHandlersFromConfig(loadConfig(), { ...options, logger })[route];
      } catch (error) {
        failure = error;
      }
    }
    if (handler) return handler(event, context);
    const correlationId = context?.awsRequestId || crypto.randomUUID();
    // Only devauth's own messages are logged: they name fields and rules, never values.
    const message = failure instanceof ConfigurationError ? failure.message : 'Invalid configuration.';
    logger.error('configuration failed', { requestId: correlationId, route, outcome: { statusCode: 500 }, message });
    const { response } = mapError(failure, correlationId);
    return toProxyResult(normalizeEvent(event), response);
  };
}
