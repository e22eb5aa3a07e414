import { DevauthClientError, errorFromResponse } from './errors.js';
import { memoryStorage, type SessionStorage } from './storage.js';
import type { DevauthUser, GuestIdentity, LoginInput, RegisterInput, Session, TokenSet } from './types.js';

export type FetchLike = (input: string, init?: RequestInit) => Promise<Response>;

export interface DevauthPaths {
  readonly register: string;
  readonly login: string;
  readonly guest: string;
  readonly refresh: string;
  readonly logout: string;
  readonly me: string;
  readonly passwordForgot: string;
  readonly passwordReset: string;
  /** Following a verification link (unauthenticated). */
  readonly verifyEmail: string;
  /** Signed (AWS_IAM) routes of the signed-in user's own account. */
  readonly changePassword: string;
  readonly deleteAccount: string;
  /** `GET` lists, `DELETE` signs out everywhere; `/{id}` ends one; `/revoke-others` ends all but this one. */
  readonly sessions: string;
  readonly changeEmail: string;
  readonly resendEmailVerification: string;
  /**
   * Admin routes (signed, the `admin` role): `GET` lists users; `/{userId}` `GET` reads and `DELETE` deletes one;
   * `/{userId}/role` and `/{userId}/status` `PUT` change it; `/{userId}/sessions` `DELETE` ends its sessions.
   */
  readonly adminUsers: string;
  /** `GET` lists, `POST` creates; `/{invitationId}` `DELETE` revokes one. */
  readonly adminInvitations: string;
}

export const DEFAULT_PATHS: DevauthPaths = {
  register: '/auth/register',
  login: '/auth/login',
  guest: '/auth/guest',
  refresh: '/auth/refresh',
  logout: '/auth/logout',
  me: '/me',
  passwordForgot: '/auth/password/forgot',
  passwordReset: '/auth/password/reset',
  verifyEmail: '/auth/email/verify',
  changePassword: '/me/password',
  deleteAccount: '/me',
  sessions: '/me/sessions',
  changeEmail: '/me/email',
  resendEmailVerification: '/me/email/verification',
  adminUsers: '/admin/users',
  adminInvitations: '/admin/invitations',
};

export interface AuthClientOptions {
  /** Where the devauth routes are served, e.g. `https://abc.execute-api.eu-west-1.amazonaws.com/prod`. */
  readonly baseUrl: string;
  readonly paths?: Partial<DevauthPaths>;
  readonly fetch?: FetchLike;
  /**
   * Defaults to memory, in browsers too: the session holds the refresh token and the guest link secret, and any
   * script that runs on the page (an XSS) can read Web Storage. Pass `webStorage(window.sessionStorage)` (or
   * `localStorage`) to survive reloads only if you accept that trade-off (see the README).
   */
  readonly storage?: SessionStorage;
  readonly storageKey?: string;
  /** Refresh the OpenID token when less than this is left (default 60 s). */
  readonly tokenRefreshMarginSeconds?: number;
  /** Milliseconds since the epoch; injectable for tests. */
  readonly now?: () => number;
}

export interface AuthClient {
  readonly baseUrl: string;
  readonly paths: DevauthPaths;
  register(input: RegisterInput): Promise<{ user: DevauthUser }>;
  /**
   * Logs in; a stored guest identity is sent along with its guest link secret, so the user keeps its IdentityId
   * (the server links it only with that secret).
   */
  login(input: LoginInput): Promise<TokenSet>;
  /** Gets a guest identity and remembers it. */
  guest(): Promise<GuestIdentity>;
  /** Rotates the stored refresh token (or the given one) for a new OpenID token. */
  refresh(refreshToken?: string): Promise<TokenSet>;
  /** Revokes the refresh token and forgets the session (locally even when the server call fails). */
  logout(): Promise<void>;
  /**
   * Asks for a password-reset message for the account with this username (or, where the server accepts it, its
   * verified email address). The server answers the same whether or not the account exists, so this resolves in both
   * cases (it rejects only on throttling or an outage). The message goes only to a verified address.
   */
  forgotPassword(username: string): Promise<void>;
  /** Sets a new password with the token from the reset message; every session of the account ends (sign in again). */
  resetPassword(input: { readonly token: string; readonly newPassword: string }): Promise<void>;
  /**
   * Follows the link of a verification message: the token from it (the page the link opens reads it from the URL).
   * Needs no session (the link may be opened on another device). Resolves with the user as it is now, its address
   * verified; a stored session of the same user gets the updated user. Rejects with `ACCOUNT_TOKEN_INVALID` for a
   * spent, replaced or expired link, `EMAIL_TAKEN` when another account took a new address meanwhile.
   */
  verifyEmail(token: string): Promise<{ user: DevauthUser }>;
  /** Stores the tokens another route handed out (a password change) as the current session. */
  adoptSession(tokens: TokenSet): Promise<void>;
  getSession(): Promise<Session | undefined>;
  /** The current OpenID token of a signed-in user, refreshed first when it is near expiry. */
  getOpenIdToken(): Promise<string>;
  clearSession(): Promise<void>;
}

export function createAuthClient(options: AuthClientOptions): AuthClient {
  const baseUrl = options.baseUrl.replace(/\/+$/, '');
  const paths: DevauthPaths = { ...DEFAULT_PATHS, ...options.paths };
  // Called through globalThis: a detached `fetch` throws "Illegal invocation" in browsers.
  const doFetch: FetchLike = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
  const storage = options.storage ?? memoryStorage();
  const storageKey = options.storageKey ?? 'devauth.session';
  const marginMs = (options.tokenRefreshMarginSeconds ?? 60) * 1000;
  const now = options.now ?? Date.now;
  let refreshing: Promise<TokenSet> | undefined;

  async function post<T>(path: string, body?: unknown): Promise<T | undefined> {
    let response: Response;
    try {
      response = await doFetch(`${baseUrl}${path}`, {
        method: 'POST',
        headers: body === undefined ? {} : { 'content-type': 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    } catch (cause) {
      throw new DevauthClientError({ code: 'NETWORK_ERROR', message: `Could not reach ${path}`, status: 0, cause });
    }
    if (!response.ok) throw await errorFromResponse(response, now());
    const text = await response.text();
    return text ? (JSON.parse(text) as T) : undefined;
  }

  async function getSession(): Promise<Session | undefined> {
    const raw = await storage.get(storageKey);
    if (!raw) return undefined;
    try {
      return JSON.parse(raw) as Session;
    } catch {
      return undefined; // a corrupt entry is as good as none
    }
  }
  const saveSession = (session: Session) => storage.set(storageKey, JSON.stringify(session));
  const clearSession = async () => {
    await storage.remove(storageKey);
  };
  const userSession = (tokens: TokenSet, user: DevauthUser | undefined): Session => ({
    kind: 'user',
    identityId: tokens.identityId,
    role: tokens.role,
    openIdToken: tokens.openIdToken,
    openIdTokenExpiresAt: tokens.openIdTokenExpiresAt,
    refreshToken: tokens.refreshToken,
    refreshTokenExpiresAt: tokens.refreshTokenExpiresAt,
    ...(user ? { user } : {}),
  });
  const required = <T>(value: T | undefined, path: string): T => {
    if (value === undefined)
      throw new DevauthClientError({ code: 'HTTP_ERROR', message: `Empty body from ${path}`, status: 200 });
    return value;
  };

  async function doRefresh(explicitToken?: string): Promise<TokenSet> {
    const session = await getSession();
    const refreshToken = explicitToken ?? (session?.kind === 'user' ? session.refreshToken : undefined);
    if (!refreshToken) {
      throw new DevauthClientError({ code: 'NOT_SIGNED_IN', message: 'No refresh token: log in first', status: 0 });
    }
    let tokens: TokenSet;
    try {
      tokens = required(await post<TokenSet>(paths.refresh, { refreshToken }), paths.refresh);
    } catch (error) {
      // A refused stored token is spent for good: forget it so the next call does not replay it.
      if (explicitToken === undefined && error instanceof DevauthClientError && error.status === 401) {
        await clearSession();
      }
      throw error;
    }
    if (explicitToken === undefined || session?.kind !== 'user' || session.refreshToken === explicitToken) {
      await saveSession(userSession(tokens, session?.kind === 'user' ? session.user : undefined));
    }
    return tokens;
  }

  function refresh(refreshToken?: string): Promise<TokenSet> {
    // Single flight: refresh tokens rotate, and a second concurrent use of the old one counts as reuse.
    if (refreshToken !== undefined) return doRefresh(refreshToken);
    refreshing ??= doRefresh().finally(() => {
      refreshing = undefined;
    });
    return refreshing;
  }

  return {
    baseUrl,
    paths,
    getSession,
    clearSession,
    async register(input) {
      return required(await post<{ user: DevauthUser }>(paths.register, input), paths.register);
    },
    async login(input) {
      const session = await getSession();
      const guest =
        session?.kind === 'guest' && session.guestLinkSecret !== undefined
          ? { guestIdentityId: session.identityId, guestLinkSecret: session.guestLinkSecret }
          : {};
      const tokens = required(
        await post<TokenSet>(paths.login, { username: input.username, password: input.password, ...guest }),
        paths.login,
      );
      await saveSession(userSession(tokens, tokens.user));
      return tokens;
    },
    async guest() {
      const identity = required(await post<GuestIdentity>(paths.guest), paths.guest);
      await saveSession({
        kind: 'guest',
        identityId: identity.identityId,
        role: 'guest',
        guestLinkSecret: identity.guestLinkSecret,
        guestLinkExpiresAt: identity.guestLinkExpiresAt,
      });
      return identity;
    },
    refresh,
    async forgotPassword(username) {
      await post(paths.passwordForgot, { username });
    },
    async resetPassword(input) {
      await post(paths.passwordReset, { token: input.token, newPassword: input.newPassword });
      // The server signed every session of the account out: a stored one is dead.
      await clearSession();
    },
    async verifyEmail(token) {
      const result = required(await post<{ user: DevauthUser }>(paths.verifyEmail, { token }), paths.verifyEmail);
      const session = await getSession();
      if (session?.kind === 'user' && session.user?.id === result.user.id) {
        await saveSession({ ...session, user: result.user });
      }
      return result;
    },
    async adoptSession(tokens) {
      const session = await getSession();
      await saveSession(userSession(tokens, session?.kind === 'user' ? session.user : undefined));
    },
    async logout() {
      const session = await getSession();
      try {
        if (session?.kind === 'user') await post(paths.logout, { refreshToken: session.refreshToken });
      } finally {
        await clearSession();
      }
    },
    async getOpenIdToken() {
      const session = await getSession();
      if (session?.kind !== 'user') {
        throw new DevauthClientError({ code: 'NOT_SIGNED_IN', message: 'Not signed in as a user', status: 0 });
      }
      if (Date.parse(session.openIdTokenExpiresAt) - now() > marginMs) return session.openIdToken;
      return (await refresh()).openIdToken;
    },
  };
}
