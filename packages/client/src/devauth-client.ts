import { type AdminClient, createAdminClient } from './admin-client.js';
import { type AuthClient, type AuthClientOptions, createAuthClient } from './auth-client.js';
import {
  type CredentialsProviderOptions,
  createCredentialsProvider,
  type DevauthCredentialsProvider,
} from './credentials.js';
import { DevauthClientError, errorFromResponse } from './errors.js';
import { createSignedFetch, type SignedFetch } from './signed-fetch.js';
import type { MeResult, TokenSet } from './types.js';

export interface DevauthClientOptions extends AuthClientOptions {
  /** Region of the identity pool and the API (SigV4 scope). */
  readonly region: string;
  /** Cognito client settings for the credentials provider (`endpoint` for a local emulator, ...). */
  readonly cognito?: CredentialsProviderOptions['clientConfig'];
  readonly credentialsExpiryMarginSeconds?: number;
}

export interface DevauthClient extends AuthClient {
  /** AWS credentials for the current session; also usable as `credentials` of any AWS SDK client. */
  readonly credentials: DevauthCredentialsProvider;
  /** fetch signed with those credentials for API Gateway AWS_IAM routes. */
  readonly signedFetch: SignedFetch;
  /** Who the gateway and devauth say the caller is (signed GET of the `me` route). */
  me(): Promise<MeResult>;
  /**
   * Changes the signed-in user's password (signed POST). Every session of the user is signed out, this one included;
   * the new session the server returns becomes the current one, on the same IdentityId.
   */
  changePassword(input: {
    readonly currentPassword: string;
    readonly newPassword: string;
  }): Promise<{ revokedSessions: number }>;
  /** Deletes the signed-in user's account (signed DELETE, the password again) and forgets the session. */
  deleteAccount(input: { readonly password: string }): Promise<void>;
  /**
   * Asks to change the signed-in user's email address (signed POST, the password again): a verification message goes
   * to `newEmail`, and the account's address changes only when its link is followed (`verifyEmail`); until then the
   * old address stays. Resolves with the (canonical) address the message went to. Rejects with
   * `INVALID_CREDENTIALS`, `EMAIL_TAKEN`, `VALIDATION_FAILED`, `THROTTLED` or `UPSTREAM_UNAVAILABLE` (not sent).
   */
  changeEmail(input: { readonly password: string; readonly newEmail: string }): Promise<{ sentTo: string }>;
  /**
   * Sends a new verification message to the signed-in user's current address (signed POST, no body), or nothing
   * when it is verified already. Counted per account (`THROTTLED` over the limit).
   */
  resendEmailVerification(): Promise<{ sentTo: string } | { alreadyVerified: true }>;
  /** The signed-in user's live sessions, most recently used first. */
  sessions(): Promise<SessionSummary[]>;
  /** Ends one session by id (another device's). */
  revokeSession(id: string): Promise<void>;
  /** Ends every session but this client's. */
  revokeOtherSessions(): Promise<{ revoked: number }>;
  /** Ends every session, this one included, and forgets it. */
  signOutEverywhere(): Promise<{ revoked: number }>;
  /** The admin routes, for a signed-in user of the `admin` role (see {@link AdminClient}). */
  readonly admin: AdminClient;
}

/** A session as `GET /me/sessions` lists it. */
export interface SessionSummary {
  readonly id: string;
  readonly createdAt: string;
  readonly lastUsedAt: string;
  readonly expiresAt: string;
  readonly client: { readonly userAgent: string | null; readonly addressPrefix: string | null } | null;
}

/** The auth routes, the credentials provider and the signed fetch, wired together for one API. */
export function createDevauthClient(options: DevauthClientOptions): DevauthClient {
  const auth = createAuthClient(options);
  const credentials = createCredentialsProvider(auth, {
    region: options.region,
    ...(options.cognito ? { clientConfig: options.cognito } : {}),
    ...(options.credentialsExpiryMarginSeconds === undefined
      ? {}
      : { expiryMarginSeconds: options.credentialsExpiryMarginSeconds }),
    ...(options.now ? { now: options.now } : {}),
  });
  const signedFetch = createSignedFetch({
    credentials,
    region: options.region,
    ...(options.fetch ? { fetch: options.fetch } : {}),
    ...(options.now ? { now: options.now } : {}),
  });
  /** A signed call of the API with an optional JSON body; its JSON answer (undefined for 204). */
  async function signedJson<T>(method: string, path: string, body?: unknown): Promise<T> {
    const response = await signedFetch(`${auth.baseUrl}${path}`, {
      method,
      ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
    });
    if (!response.ok) throw await errorFromResponse(response, (options.now ?? Date.now)());
    const text = await response.text();
    return (text ? JSON.parse(text) : undefined) as T;
  }
  return {
    ...auth,
    credentials,
    signedFetch,
    admin: createAdminClient({
      baseUrl: auth.baseUrl,
      paths: auth.paths,
      signedFetch,
      ...(options.now ? { now: options.now } : {}),
    }),
    async me() {
      const response = await signedFetch(`${auth.baseUrl}${auth.paths.me}`);
      if (!response.ok) throw await errorFromResponse(response, (options.now ?? Date.now)());
      return (await response.json()) as MeResult;
    },
    async changePassword(input) {
      const response = await signedFetch(`${auth.baseUrl}${auth.paths.changePassword}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ currentPassword: input.currentPassword, newPassword: input.newPassword }),
      });
      if (!response.ok) throw await errorFromResponse(response, (options.now ?? Date.now)());
      const body = (await response.json()) as TokenSet & { revokedSessions: number };
      if (typeof body.refreshToken === 'string') await auth.adoptSession(body);
      return { revokedSessions: body.revokedSessions };
    },
    async changeEmail(input) {
      const body = await signedJson<{ sentTo: string }>('POST', auth.paths.changeEmail, {
        password: input.password,
        newEmail: input.newEmail,
      });
      return { sentTo: body.sentTo };
    },
    async resendEmailVerification() {
      const body = await signedJson<{ sentTo?: string; alreadyVerified?: boolean }>(
        'POST',
        auth.paths.resendEmailVerification,
      );
      if (body?.alreadyVerified === true) return { alreadyVerified: true };
      if (typeof body?.sentTo !== 'string') {
        throw new DevauthClientError({
          code: 'HTTP_ERROR',
          message: `Unexpected body from ${auth.paths.resendEmailVerification}`,
          status: 200,
        });
      }
      return { sentTo: body.sentTo };
    },
    async sessions() {
      const body = await signedJson<{ sessions: SessionSummary[] }>('GET', auth.paths.sessions);
      return body.sessions;
    },
    async revokeSession(id) {
      await signedJson('DELETE', `${auth.paths.sessions}/${encodeURIComponent(id)}`);
    },
    async revokeOtherSessions() {
      const session = await auth.getSession();
      if (session?.kind !== 'user') {
        throw new DevauthClientError({ code: 'NOT_SIGNED_IN', message: 'Not signed in as a user', status: 0 });
      }
      return signedJson<{ revoked: number }>('POST', `${auth.paths.sessions}/revoke-others`, {
        refreshToken: session.refreshToken,
      });
    },
    async signOutEverywhere() {
      const result = await signedJson<{ revoked: number }>('DELETE', auth.paths.sessions);
      await auth.clearSession();
      return result;
    },
    async deleteAccount(input) {
      const response = await signedFetch(`${auth.baseUrl}${auth.paths.deleteAccount}`, {
        method: 'DELETE',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ password: input.password }),
      });
      if (!response.ok) throw await errorFromResponse(response, (options.now ?? Date.now)());
      await auth.clearSession();
    },
  };
}
