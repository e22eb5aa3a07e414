/**
 * Runs in Chromium (bundled by the test with esbuild for the browser): guest browse, login, signed calls through the
 * same-origin proxy to the local gateway. Results go into the DOM for the test to read; no DOM lib is needed.
 */
import { createDevauthClient, isDevauthClientError, type WebStorageLike, webStorage } from '@devauth/client';

interface PageGlobals {
  readonly location: { readonly origin: string };
  readonly sessionStorage: WebStorageLike;
  readonly document: { getElementById(id: string): { textContent: string | null } | null };
  runScenario?: (username: string, password: string) => Promise<void>;
}
const page = globalThis as unknown as PageGlobals;

async function runScenario(username: string, password: string): Promise<void> {
  const results: Record<string, unknown> = {};
  const show = (status: string) => {
    const result = page.document.getElementById('result');
    const state = page.document.getElementById('status');
    if (result) result.textContent = JSON.stringify(results);
    if (state) state.textContent = status;
  };
  try {
    const client = createDevauthClient({
      baseUrl: page.location.origin,
      region: 'us-east-1',
      cognito: { endpoint: `${page.location.origin}/cognito` },
      storage: webStorage(page.sessionStorage),
    });
    const guest = await client.guest();
    results.guestRole = guest.role;
    const browse = await client.signedFetch(`${page.location.origin}/products`);
    results.guestBrowse = { status: browse.status, body: await browse.json() };
    results.guestCreate = (
      await client.signedFetch(`${page.location.origin}/products`, { method: 'POST', body: '{}' })
    ).status;

    try {
      await client.login({ username, password: `${password} but wrong` });
    } catch (error) {
      results.wrongPassword = isDevauthClientError(error) ? { code: error.code, status: error.status } : 'untyped';
    }
    const login = await client.login({ username, password });
    results.keptIdentity = login.identityId === guest.identityId;
    results.orders = (await client.signedFetch(`${page.location.origin}/orders`)).status;
    const me = await client.me();
    results.me = { kind: me.kind, role: me.role };
    const stored = page.sessionStorage.getItem('devauth.session') ?? '';
    results.storedSession = stored.length > 0;
    results.storedPassword = stored.includes(password);
    await client.logout();
    results.afterLogout = page.sessionStorage.getItem('devauth.session');
    show('done');
  } catch (error) {
    results.error = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    show('failed');
  }
}

page.runScenario = runScenario;
