/**
 * The composition root at the Lambda edge: picks adapters from the configuration, registers them in a tsyringe
 * container under the core's port tokens, then lets `registerDevauth` wire the use cases. Loaded only through a
 * dynamic import (see `composeDevauth` in index.ts), so tsyringe and the adapters cost nothing until first use; each
 * adapter package, database driver and SDK client is imported only for the store or broker actually chosen.
 */
import 'reflect-metadata';
import { type Devauth, type IdentityBroker, TOKENS, type UserStore } from '@devauth/core';
import { registerDevauth } from '@devauth/core/composition';
import { container as rootContainer } from 'tsyringe';
import { auditLogSink } from './audit.js';
import type { ComposeOptions, Composition, Overrides } from './composition-types.js';
import { coreConfigOf, type HandlerConfig } from './config.js';
import { createJsonLogger } from './logger.js';
import { createStores } from './stores.js';

const STORE_TOKENS = {
  users: TOKENS.UserStore,
  refreshTokens: TOKENS.RefreshTokenStore,
  loginAttempts: TOKENS.LoginAttemptStore,
  invitations: TOKENS.InvitationStore,
  guestLinks: TOKENS.GuestLinkStore,
  accountTokens: TOKENS.AccountTokenStore,
} as const;

function overrideEntries(overrides: Overrides | undefined): [symbol, unknown][] {
  if (!overrides) return [];
  if (overrides instanceof Map) return [...overrides.entries()];
  const record = overrides as Readonly<Record<symbol, unknown>>;
  return Object.getOwnPropertySymbols(record).map((token) => [token, record[token]]);
}

export async function composeDevauth(config: HandlerConfig, options: ComposeOptions = {}): Promise<Composition> {
  const container = (options.container ?? rootContainer).createChildContainer();
  const overridden = new Set<symbol>();
  for (const [token, value] of overrideEntries(options.overrides)) {
    container.register(token, { useValue: value });
    overridden.add(token);
  }

  let close = async () => {};
  // Stores are built only when some store port is not overridden (tests may override all of them).
  if (Object.values(STORE_TOKENS).some((token) => !overridden.has(token))) {
    const stores = await createStores(config);
    close = stores.close;
    for (const [name, token] of Object.entries(STORE_TOKENS)) {
      if (!overridden.has(token)) container.register(token, { useValue: stores[name as keyof typeof STORE_TOKENS] });
    }
  }
  if (!overridden.has(TOKENS.MessageSender) && config.messages === 'ses') {
    container.register(TOKENS.MessageSender, { useValue: await createSesSender(config) });
  }
  if (!overridden.has(TOKENS.IdentityBroker)) {
    container.register(TOKENS.IdentityBroker, { useValue: await createBroker(config) });
  }
  // Without a sink the core discards its events, and the admin audit trail with them: log it instead.
  if (!container.isRegistered(TOKENS.EventSink, true)) {
    container.register(TOKENS.EventSink, { useValue: auditLogSink(options.logger ?? createJsonLogger()) });
  }
  registerDevauth(container, { config: coreConfigOf(config) });
  const broker = container.resolve<IdentityBroker & { readonly identityPoolId?: unknown }>(TOKENS.IdentityBroker);
  const identityPoolId =
    config.identityPoolId ?? (typeof broker.identityPoolId === 'string' ? broker.identityPoolId : '');
  return {
    devauth: container.resolve<Devauth>(TOKENS.Devauth),
    users: container.resolve<UserStore>(TOKENS.UserStore),
    identityPoolId,
    container,
    close,
  };
}

async function createBroker(config: HandlerConfig): Promise<IdentityBroker> {
  if (config.broker === 'fake') {
    const { FakeIdentityBroker } = await import('@devauth/core/testing');
    return new FakeIdentityBroker({
      ...(config.identityPoolId ? { identityPoolId: config.identityPoolId } : {}),
      ...(config.developerProviderName ? { developerProviderName: config.developerProviderName } : {}),
      ...(config.region ? { region: config.region } : {}),
    });
  }
  const { createCognitoIdentityBroker } = await import('@devauth/adapters-cognito');
  // The broker creates its client on first use, from these settings.
  return createCognitoIdentityBroker({
    identityPoolId: config.identityPoolId ?? '',
    developerProviderName: config.developerProviderName ?? '',
    clientConfig: {
      ...(config.region ? { region: config.region } : {}),
      ...(config.cognitoEndpoint ? { endpoint: config.cognitoEndpoint } : {}),
    },
  });
}

/** Amazon SES v2 (`@devauth/adapters-ses`, imported only when chosen); the client is created on the first send. */
async function createSesSender(config: HandlerConfig) {
  const { createSesMessageSender } = await import('@devauth/adapters-ses');
  return createSesMessageSender({
    from: config.sesFrom ?? '',
    ...(config.sesConfigurationSet ? { configurationSetName: config.sesConfigurationSet } : {}),
    render: {
      ...(config.appName ? { appName: config.appName } : {}),
      ...(config.passwordResetUrl || config.emailVerificationUrl
        ? {
            links: {
              ...(config.passwordResetUrl ? { passwordReset: config.passwordResetUrl } : {}),
              ...(config.emailVerificationUrl ? { emailVerification: config.emailVerificationUrl } : {}),
            },
          }
        : {}),
    },
    clientConfig: config.region ? { region: config.region } : {},
  });
}
