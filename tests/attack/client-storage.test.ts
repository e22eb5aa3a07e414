/**
 * Where the browser client keeps its secrets (security review, smaller item). The session holds the refresh token
 * and the guest link secret; Web Storage is readable by any script on the page, so an XSS that runs
 * `localStorage.getItem` would walk away with a login session that outlives the attack. The client keeps the session
 * in memory by default, and Web Storage only when the app names it (`webStorage(window.sessionStorage)`); the old
 * `webStorage()` silently meant localStorage.
 */
import './support/log-capture.js';
import { createDevauthClient, type WebStorageLike, webStorage } from '@devauth/client';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { newPassword } from './support/auth-app.js';
import { E2E_REGION, type E2eStack, startE2eStack } from './support/e2e-stack.js';
import { rememberedSecretCount, rememberSecrets } from './support/log-capture.js';

class PageStorage implements WebStorageLike {
  readonly items = new Map<string, string>();
  getItem(key: string) {
    return this.items.get(key) ?? null;
  }
  setItem(key: string, value: string) {
    this.items.set(key, value);
  }
  removeItem(key: string) {
    this.items.delete(key);
  }
  /** What an injected script sees: every value, as one string. */
  dump(): string {
    return [...this.items.values()].join('\n');
  }
}

describe('browser session storage', () => {
  let stack: E2eStack;
  const page = globalThis as { localStorage?: PageStorage; sessionStorage?: PageStorage };
  beforeAll(async () => {
    stack = await startE2eStack();
  });
  afterAll(async () => {
    await stack?.stop();
  });
  afterEach(() => {
    delete page.localStorage;
    delete page.sessionStorage;
  });

  it('an injected script finds no refresh token or guest link secret in Web Storage with the default client', async () => {
    page.localStorage = new PageStorage();
    page.sessionStorage = new PageStorage();
    const client = createDevauthClient({
      baseUrl: stack.gateway.endpoint,
      region: E2E_REGION,
      cognito: { endpoint: stack.emulator.endpoint },
    });
    const guest = await client.guest();
    rememberSecrets(guest.guestLinkSecret);
    const password = newPassword('page');
    rememberSecrets(password);
    await client.register({ username: 'page-user', password });
    const tokens = await client.login({ username: 'page-user', password });
    rememberSecrets(tokens.refreshToken, tokens.openIdToken);
    expect(tokens.identityId).toBe(guest.identityId);

    const seen = `${page.localStorage.dump()}\n${page.sessionStorage.dump()}`;
    expect(seen).not.toContain(tokens.refreshToken);
    expect(seen).not.toContain(guest.guestLinkSecret);
    expect(page.localStorage.items.size + page.sessionStorage.items.size).toBe(0);
    // The session is there all the same, in memory.
    expect((await client.getSession())?.kind).toBe('user');
  });

  it('Web Storage is used only when named: webStorage() without a Storage refuses instead of taking localStorage', async () => {
    page.localStorage = new PageStorage();
    expect(() => (webStorage as (storage?: WebStorageLike) => unknown)()).toThrow(/pass the Storage to use/);
    const opted = new PageStorage();
    const client = createDevauthClient({
      baseUrl: stack.gateway.endpoint,
      region: E2E_REGION,
      cognito: { endpoint: stack.emulator.endpoint },
      storage: webStorage(opted),
    });
    const guest = await client.guest();
    rememberSecrets(guest.guestLinkSecret);
    // The app chose it: the session (with the guest's secret) is in the named storage, and nowhere else.
    expect(opted.dump()).toContain(guest.guestLinkSecret);
    expect(page.localStorage.items.size).toBe(0);
    expect(rememberedSecretCount()).toBeGreaterThan(0);
  });
});
