import { DEFAULT_ROLES } from '@devauth/core';
import { HANDLER_ENV } from '@devauth/lambda-handlers/env';
import { Annotations, Duration } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { omitImpliedRoleDependency } from './depends-on.js';
import type { IDevauthStore } from './devauth-store.js';
import { DevauthConstructError } from './errors.js';
import {
  type DevauthArchitecture,
  type DevauthRuntime,
  defaultHandlersAssetDir,
  handlerCode,
  lambdaArchitecture,
  lambdaRuntime,
} from './handler-code.js';
import type { DevauthIdentityPool } from './identity-pool.js';
import { grantRoute } from './route-grants.js';
import { type AuthRoute, deployedAuthRoutes } from './routes.js';
import { grantVpcNetworkInterfaces } from './vpc-access.js';

/** Handler settings passed through as environment variables (see the handlers' README for each). */
export interface DevauthHandlerSettings {
  readonly tokenDurationSeconds?: number;
  readonly allowLongTokenDuration?: boolean;
  readonly guestLinkTtlSeconds?: number;
  readonly refreshReuseLeewaySeconds?: number;
  readonly revealDisabledAccounts?: boolean;
  readonly trustedProxies?: readonly string[];
  readonly guardCacheTtlSeconds?: number;
  readonly maxBodyBytes?: number;
  readonly passwordResetTtlSeconds?: number;
  readonly passwordResetResponseFloorMs?: number;
  /** Send reset messages to unverified addresses too (default false; only while moving older users). */
  readonly passwordResetToUnverifiedEmail?: boolean;
  /** Lifetime of an email-verification link (default 24 hours, at most 7 days). */
  readonly emailVerificationTtlSeconds?: number;
  /** Refuse login until the email address is verified (EMAIL_NOT_VERIFIED). Needs `messages`. */
  readonly requireVerifiedEmail?: boolean;
  /** Accept a verified email address in place of the username at login and in reset requests. */
  readonly loginWithEmail?: boolean;
}

/** How the routes send messages (password reset, email verification, notifications): Amazon SES v2. */
export interface DevauthMessagesProps {
  readonly ses: {
    /** The sender, `noreply@example.com` or `Shop <noreply@example.com>`. */
    readonly from: string;
    /** The SES identity `from` is verified under: the address itself or its domain (`example.com`). */
    readonly identity: string;
    readonly configurationSetName?: string;
  };
  /** The product name in messages. */
  readonly appName?: string;
  /** The page that completes a reset, with `{token}`, e.g. `https://shop.example.com/reset?token={token}`. */
  readonly passwordResetUrl?: string;
  /**
   * The page that follows a verification link, with `{token}`, e.g. `https://shop.example.com/verify?token={token}`:
   * it posts the token to `POST /auth/email/verify`.
   */
  readonly emailVerificationUrl?: string;
}

export interface DevauthAuthFunctionsProps {
  readonly identityPool: DevauthIdentityPool;
  readonly store: IDevauthStore;
  /**
   * A directory with one `<route>/index.mjs` per route (handler `index.handler`), as `pnpm bundle` writes it, with the
   * native hashing addons in `<route>/node_modules`. Default: `bundle/` of the `@devauth/lambda-handlers` package
   * resolved from the working directory.
   */
  readonly handlersAssetDir?: string;
  /** Per-route code instead of the directory (no check is made of it). */
  readonly code?: Partial<Record<AuthRoute, lambda.Code>>;
  /** Default `nodejs24.x`. */
  readonly runtime?: DevauthRuntime;
  /** Default `arm64` (cheaper per GB-second; the bundle must carry the arm64 addons). */
  readonly architecture?: DevauthArchitecture;
  /** Memory in MB per route (defaults below). */
  readonly memorySize?: Partial<Record<AuthRoute, number>>;
  /** Default 25 seconds (see DEFAULT_TIMEOUT). */
  readonly timeout?: Duration;
  /** Default one month. */
  readonly logRetention?: logs.RetentionDays;
  /**
   * The roles users may have (besides guest). Default: the core's DEFAULT_ROLES. The admin routes' functions exist
   * only when `admin` is one of them.
   */
  readonly roles?: readonly string[];
  /** Origins the handlers answer CORS for (`DEVAUTH_CORS_ORIGINS`). */
  readonly corsOrigins?: readonly string[];
  readonly settings?: DevauthHandlerSettings;
  /**
   * Message delivery. Without it, password-reset and email-change requests answer 500 (not configured) and
   * registration sends no verification link.
   */
  readonly messages?: DevauthMessagesProps;
  /** Check the argon2 addon is in the register and login bundles for the architecture. Default true. */
  readonly verifyNativeAddons?: boolean;
}

/**
 * Memory, hence CPU: Lambda gives CPU in proportion to memory, one full vCPU at 1,769 MB. register and login each run
 * one argon2id hash (m = 19,456 KiB, t = 2, p = 1): CPU-bound on a single thread, so below a full vCPU every login
 * waits proportionally longer, and above it the second vCPU would sit idle. The other routes wait on DynamoDB and
 * Cognito, where 512 MB is plenty and keeps cold starts short.
 *
 * 1,769 MB for the hashing routes is what bench figure 9 chooses (bench/memory-size.ts; the figure "Lambda memory size
 * for login, chosen by the model" in docs/bench/README.md): the smallest of 128 to 3,008 MB whose modeled login
 * latency, measured CPU time × max(1, 1769 / M) + measured wait, is within 10 % of a full vCPU's and whose memory holds
 * the measured peak RSS. Below it the hash's GB-s stay the same (memory cancels out) and only the waiting gets cheaper,
 * by cents per million logins, while every login gets 1769 / M times slower; see docs/capacity.md, "Lambda memory
 * size".
 */
export const DEFAULT_MEMORY_MB: Readonly<Record<AuthRoute, number>> = {
  // Bench figure 9's choice (above).
  register: 1769,
  login: 1769,
  guest: 512,
  refresh: 512,
  logout: 512,
  me: 512,
  // Stores a token and sends a message; hashes nothing.
  passwordForgot: 512,
  // These hash (a new password) or verify (the current one) exactly like login.
  passwordReset: 1769,
  changePassword: 1769,
  deleteAccount: 1769,
  // Reads and revocations of refresh-token families only.
  listSessions: 512,
  revokeSession: 512,
  revokeOtherSessions: 512,
  signOutEverywhere: 512,
  // Spends a token and writes the user; hashes nothing.
  verifyEmail: 512,
  // Re-checks the password like login.
  changeEmail: 1769,
  // Stores a token and sends a message.
  resendEmailVerification: 512,
  // Administration reads and writes users, sessions and invitations, and calls Cognito; it never hashes (an
  // administrator's call re-checks the caller's stored role, not a password).
  adminListUsers: 512,
  adminGetUser: 512,
  adminSetRole: 512,
  adminSetStatus: 512,
  adminDeleteUser: 512,
  adminRevokeSessions: 512,
  adminCreateInvitation: 512,
  adminListInvitations: 512,
  adminRevokeInvitation: 512,
};

/**
 * Longer than the adapters' own bounds (DynamoDB: 3 attempts of 2 s per call; Cognito: 3 attempts of at most 5 s), so
 * a slow upstream ends in the handler's 503 with Retry-After rather than a Lambda timeout; shorter than API Gateway's
 * 29 s (REST) / 30 s (HTTP) integration limit, so the gateway never cuts off an answer the function was sending.
 */
export const DEFAULT_TIMEOUT = Duration.seconds(25);

/**
 * One Lambda function per route of `@devauth/lambda-handlers`, each with its own role granted only what that route
 * does (ROUTE_GRANTS in route-grants.ts): the store (DynamoDB: read/write on this table and its identity index, or
 * for `me`, adminGetUser and the two admin listings only lookups, the listings with Query on the listing index;
 * PostgreSQL: read its secret, and the functions run in its VPC), plus GetOpenIdTokenForDeveloperIdentity on this
 * pool for login, refresh and changePassword, GetId for guest, UnlinkDeveloperIdentity on this pool for the routes
 * that revoke access, DeleteIdentities for the two that delete an account, and with `messages` ses:SendEmail for the
 * routes that send one. Logs go to a log group per function with a retention, and the role may write only to it (no
 * `logs:*` on `*`). The guest function exists only when the pool allows guests, the admin functions only when
 * `admin` is a configured role.
 */
export class DevauthAuthFunctions extends Construct {
  /** The functions, by route (`guest` absent without guests, the admin routes without the `admin` role). */
  readonly functions: Readonly<Partial<Record<AuthRoute, lambda.Function>>>;
  readonly logGroups: Readonly<Partial<Record<AuthRoute, logs.LogGroup>>>;
  /** The routes deployed, in AUTH_ROUTES order. */
  readonly routes: readonly AuthRoute[];

  constructor(scope: Construct, id: string, props: DevauthAuthFunctionsProps) {
    super(scope, id);
    const architecture = props.architecture ?? 'arm64';
    const routes = deployedAuthRoutes({
      roles: props.roles ?? DEFAULT_ROLES,
      allowGuests: props.identityPool.allowGuests,
    });
    const needsDir = routes.some((route) => props.code?.[route] === undefined);
    const assetDir = needsDir ? (props.handlersAssetDir ?? defaultHandlersAssetDir()) : undefined;
    if (needsDir && assetDir === undefined) {
      throw new DevauthConstructError(
        this.node.path,
        'handlersAssetDir is not set and @devauth/lambda-handlers cannot be resolved from the working directory.',
      );
    }
    if (props.settings?.requireVerifiedEmail && !props.messages) {
      throw new DevauthConstructError(
        this.node.path,
        'settings.requireVerifiedEmail needs messages: without a sender no verification link is sent, so nobody ' +
          'could log in (every function would refuse its configuration).',
      );
    }
    const environment = this.environment(props);
    const functions: Partial<Record<AuthRoute, lambda.Function>> = {};
    const logGroups: Partial<Record<AuthRoute, logs.LogGroup>> = {};
    for (const route of routes) {
      const logGroup = new logs.LogGroup(this, `${pascal(route)}Logs`, {
        retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
      });
      const role = new iam.Role(this, `${pascal(route)}Role`, {
        assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
        description: `devauth ${route} function`,
      });
      logGroup.grantWrite(role);
      if (props.store.vpcPlacement) grantVpcNetworkInterfaces(this, role);
      const code =
        props.code?.[route] ??
        handlerCode(this, assetDir!, route, {
          architecture,
          verifyNativeAddons: props.verifyNativeAddons ?? true,
          warn: (message) => Annotations.of(this).addWarningV2('@devauth/cdk:nativeAddon', message),
        });
      const fn = new lambda.Function(this, pascal(route), {
        description: `devauth ${route} route`,
        code,
        handler: 'index.handler',
        runtime: lambdaRuntime(props.runtime ?? 'nodejs24.x'),
        architecture: lambdaArchitecture(architecture),
        memorySize: props.memorySize?.[route] ?? DEFAULT_MEMORY_MB[route],
        timeout: props.timeout ?? DEFAULT_TIMEOUT,
        environment,
        role,
        logGroup,
        ...(props.store.vpcPlacement ?? {}),
      });
      grantRoute(route, fn, {
        store: props.store,
        identityPool: props.identityPool,
        ...(props.messages ? { ses: props.messages.ses } : {}),
        requireVerifiedEmail: props.settings?.requireVerifiedEmail === true,
      });
      // New code runs against the schema it expects: functions are deployed after the store's migrations.
      if (props.store.readiness) fn.node.addDependency(props.store.readiness);
      omitImpliedRoleDependency(fn);
      functions[route] = fn;
      logGroups[route] = logGroup;
    }
    this.functions = functions;
    this.logGroups = logGroups;
    this.routes = routes;
  }

  /** The function of a route; throws for a route not deployed (guest without guests, admin without `admin`). */
  functionFor(route: AuthRoute): lambda.Function {
    const fn = this.functions[route];
    if (!fn) {
      const why = route === 'guest' ? 'guests are not allowed' : 'it is not deployed: "admin" is not a role';
      throw new DevauthConstructError(this.node.path, `no ${route} function (${why}).`);
    }
    return fn;
  }

  /** Exactly the names `loadConfig()` reads (HANDLER_ENV), one environment for every function. */
  private environment(props: DevauthAuthFunctionsProps): Record<string, string> {
    const settings = props.settings ?? {};
    const environment: Record<string, string | undefined> = {
      ...props.store.environment,
      [HANDLER_ENV.broker]: 'cognito',
      [HANDLER_ENV.identityPoolId]: props.identityPool.identityPoolId,
      [HANDLER_ENV.developerProviderName]: props.identityPool.developerProviderName,
      [HANDLER_ENV.roles]: (props.roles ?? DEFAULT_ROLES).join(','),
      [HANDLER_ENV.corsOrigins]: props.corsOrigins?.length ? props.corsOrigins.join(',') : undefined,
      [HANDLER_ENV.tokenDurationSeconds]: text(settings.tokenDurationSeconds),
      [HANDLER_ENV.allowLongTokenDuration]: text(settings.allowLongTokenDuration),
      [HANDLER_ENV.guestLinkTtlSeconds]: text(settings.guestLinkTtlSeconds),
      [HANDLER_ENV.refreshReuseLeewaySeconds]: text(settings.refreshReuseLeewaySeconds),
      [HANDLER_ENV.revealDisabledAccounts]: text(settings.revealDisabledAccounts),
      [HANDLER_ENV.trustedProxies]: settings.trustedProxies?.length ? settings.trustedProxies.join(',') : undefined,
      [HANDLER_ENV.guardCacheTtlSeconds]: text(settings.guardCacheTtlSeconds),
      [HANDLER_ENV.maxBodyBytes]: text(settings.maxBodyBytes),
      [HANDLER_ENV.passwordResetTtlSeconds]: text(settings.passwordResetTtlSeconds),
      [HANDLER_ENV.passwordResetResponseFloorMs]: text(settings.passwordResetResponseFloorMs),
      [HANDLER_ENV.passwordResetToUnverifiedEmail]: text(settings.passwordResetToUnverifiedEmail),
      [HANDLER_ENV.emailVerificationTtlSeconds]: text(settings.emailVerificationTtlSeconds),
      [HANDLER_ENV.requireVerifiedEmail]: text(settings.requireVerifiedEmail),
      [HANDLER_ENV.loginWithEmail]: text(settings.loginWithEmail),
      ...messageEnvironment(props.messages),
    };
    return Object.fromEntries(
      Object.entries(environment).filter((entry): entry is [string, string] => entry[1] !== undefined),
    );
  }
}

const text = (value: number | boolean | undefined) => (value === undefined ? undefined : String(value));

function messageEnvironment(messages: DevauthMessagesProps | undefined): Record<string, string | undefined> {
  if (!messages) return {};
  return {
    [HANDLER_ENV.messages]: 'ses',
    [HANDLER_ENV.sesFrom]: messages.ses.from,
    [HANDLER_ENV.sesConfigurationSet]: messages.ses.configurationSetName,
    [HANDLER_ENV.appName]: messages.appName,
    [HANDLER_ENV.passwordResetUrl]: messages.passwordResetUrl,
    [HANDLER_ENV.emailVerificationUrl]: messages.emailVerificationUrl,
  };
}

const pascal = (route: string) => route[0]!.toUpperCase() + route.slice(1);
