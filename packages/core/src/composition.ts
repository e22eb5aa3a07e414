/**
 * `@devauth/core/composition`: registration of devauth in a tsyringe container. This is the only module of the core
 * that knows about a container; the use cases are plain classes and `createDevauth` works without one.
 *
 * Register your adapters under the port tokens (`TOKENS.UserStore`, `TOKENS.IdentityBroker`, ...), call
 * `registerDevauth(container)`, then resolve `TOKENS.Devauth`. Any optional port you registered (hasher, clock,
 * event sink, role policy, ...) replaces devauth's default. Registration uses factories only, so nothing depends on
 * decorator metadata.
 */
import type { DependencyContainer, InjectionToken } from 'tsyringe';
import { createDevauth, type Devauth, type DevauthDependencies } from './devauth.js';
import type { DevauthConfigInput } from './domain/config.js';
import { TOKENS } from './tokens.js';

const REQUIRED = [
  'UserStore',
  'RefreshTokenStore',
  'LoginAttemptStore',
  'InvitationStore',
  'GuestLinkStore',
  'AccountTokenStore',
  'IdentityBroker',
] as const;

export function registerDevauth(container: DependencyContainer, options: { config?: DevauthConfigInput } = {}): void {
  let instance: Devauth | undefined;
  container.register(TOKENS.Devauth, {
    useFactory: (scope) => {
      instance ??= createDevauth(resolveDependencies(scope), resolveConfigInput(scope, options.config));
      return instance;
    },
  });
}

function resolveDependencies(scope: DependencyContainer): DevauthDependencies {
  const missing = REQUIRED.filter((name) => !scope.isRegistered(TOKENS[name], true));
  if (missing.length > 0) {
    throw new Error(`devauth: register these ports before resolving TOKENS.Devauth: ${missing.join(', ')}`);
  }
  const optional = <T>(token: InjectionToken<T>): T | undefined =>
    scope.isRegistered(token, true) ? scope.resolve(token) : undefined;
  return {
    users: scope.resolve(TOKENS.UserStore),
    refreshTokens: scope.resolve(TOKENS.RefreshTokenStore),
    loginAttempts: scope.resolve(TOKENS.LoginAttemptStore),
    invitations: scope.resolve(TOKENS.InvitationStore),
    guestLinks: scope.resolve(TOKENS.GuestLinkStore),
    accountTokens: scope.resolve(TOKENS.AccountTokenStore),
    broker: scope.resolve(TOKENS.IdentityBroker),
    messages: optional(TOKENS.MessageSender),
    hasher: optional(TOKENS.PasswordHasher),
    rolePolicy: optional(TOKENS.RoleAssignmentPolicy),
    commonPasswords: optional(TOKENS.CommonPasswordList),
    clock: optional(TOKENS.Clock),
    ids: optional(TOKENS.IdGenerator),
    events: optional(TOKENS.EventSink),
  };
}

function resolveConfigInput(scope: DependencyContainer, fallback: DevauthConfigInput | undefined): DevauthConfigInput {
  return scope.isRegistered(TOKENS.Config, true) ? scope.resolve<DevauthConfigInput>(TOKENS.Config) : (fallback ?? {});
}
