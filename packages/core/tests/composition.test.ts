import 'reflect-metadata';
import { type Devauth, TOKENS } from '@devauth/core';
import { registerDevauth } from '@devauth/core/composition';
import {
  FakeIdentityBroker,
  InMemoryAccountTokenStore,
  InMemoryGuestLinkStore,
  InMemoryInvitationStore,
  InMemoryLoginAttemptStore,
  InMemoryRefreshTokenStore,
  InMemoryUserStore,
  ManualClock,
} from '@devauth/core/testing';
import { container } from 'tsyringe';
import { describe, expect, it } from 'vitest';
import { fastHasher, STRONG_PASSWORD } from './support.js';

describe('Composition: registerDevauth (tsyringe)', () => {
  it('resolves a working devauth from registered adapters, and an override replaces a default', async () => {
    const scope = container.createChildContainer();
    const clock = new ManualClock('2030-05-05T05:05:05.000Z');
    scope.register(TOKENS.UserStore, { useValue: new InMemoryUserStore() });
    scope.register(TOKENS.RefreshTokenStore, { useValue: new InMemoryRefreshTokenStore() });
    scope.register(TOKENS.LoginAttemptStore, { useValue: new InMemoryLoginAttemptStore() });
    scope.register(TOKENS.InvitationStore, { useValue: new InMemoryInvitationStore() });
    scope.register(TOKENS.GuestLinkStore, { useValue: new InMemoryGuestLinkStore() });
    scope.register(TOKENS.AccountTokenStore, { useValue: new InMemoryAccountTokenStore() });
    scope.register(TOKENS.IdentityBroker, { useValue: new FakeIdentityBroker({ clock }) });
    scope.register(TOKENS.PasswordHasher, { useValue: fastHasher() });
    scope.register(TOKENS.Clock, { useValue: clock });
    scope.register(TOKENS.Config, { useValue: { tokenDurationSeconds: 300 } });
    registerDevauth(scope);

    const devauth = scope.resolve<Devauth>(TOKENS.Devauth);
    expect(scope.resolve<Devauth>(TOKENS.Devauth)).toBe(devauth);
    const user = await devauth.register.execute({ username: 'zed', password: STRONG_PASSWORD });
    expect(user.createdAt).toEqual(clock.now());
    const session = await devauth.login.execute({ username: 'zed', password: STRONG_PASSWORD });
    expect(session.openIdTokenExpiresAt).toEqual(new Date(clock.now().getTime() + 300_000));
  });

  it('names the ports that are missing instead of failing obscurely', () => {
    const scope = container.createChildContainer();
    scope.register(TOKENS.UserStore, { useValue: new InMemoryUserStore() });
    registerDevauth(scope);
    expect(() => scope.resolve(TOKENS.Devauth)).toThrow(
      /RefreshTokenStore, LoginAttemptStore, InvitationStore, GuestLinkStore, AccountTokenStore, IdentityBroker/,
    );
  });

  it('finds adapters registered in a parent container, and takes the config from the options without a Config token', async () => {
    const parent = container.createChildContainer();
    const clock = new ManualClock('2030-05-05T05:05:05.000Z');
    const broker = new FakeIdentityBroker({ clock });
    parent.register(TOKENS.UserStore, { useValue: new InMemoryUserStore() });
    parent.register(TOKENS.RefreshTokenStore, { useValue: new InMemoryRefreshTokenStore() });
    parent.register(TOKENS.LoginAttemptStore, { useValue: new InMemoryLoginAttemptStore() });
    parent.register(TOKENS.InvitationStore, { useValue: new InMemoryInvitationStore() });
    parent.register(TOKENS.GuestLinkStore, { useValue: new InMemoryGuestLinkStore() });
    parent.register(TOKENS.AccountTokenStore, { useValue: new InMemoryAccountTokenStore() });
    parent.register(TOKENS.IdentityBroker, { useValue: broker });
    parent.register(TOKENS.PasswordHasher, { useValue: fastHasher() });
    parent.register(TOKENS.Clock, { useValue: clock });
    const scope = parent.createChildContainer();
    registerDevauth(scope, { config: { tokenDurationSeconds: 120 } });
    const devauth = scope.resolve<Devauth>(TOKENS.Devauth);
    expect(devauth.config.tokenDurationSeconds).toBe(120);
    const user = await devauth.register.execute({ username: 'zed', password: STRONG_PASSWORD });
    // The parent's clock and broker were used, not the defaults.
    expect(user.createdAt).toEqual(clock.now());
    await devauth.login.execute({ username: 'zed', password: STRONG_PASSWORD });
    expect(broker.calls).toHaveLength(1);

    // A Config registered in the parent wins over the options.
    parent.register(TOKENS.Config, { useValue: { tokenDurationSeconds: 60 } });
    const configured = parent.createChildContainer();
    registerDevauth(configured, { config: { tokenDurationSeconds: 120 } });
    expect(configured.resolve<Devauth>(TOKENS.Devauth).config.tokenDurationSeconds).toBe(60);

    const defaults = container.createChildContainer();
    for (const token of [
      TOKENS.UserStore,
      TOKENS.RefreshTokenStore,
      TOKENS.LoginAttemptStore,
      TOKENS.InvitationStore,
      TOKENS.GuestLinkStore,
      TOKENS.AccountTokenStore,
      TOKENS.IdentityBroker,
    ]) {
      defaults.register(token, { useValue: parent.resolve(token) });
    }
    registerDevauth(defaults);
    expect(defaults.resolve<Devauth>(TOKENS.Devauth).config.tokenDurationSeconds).toBe(900);
  });
});
