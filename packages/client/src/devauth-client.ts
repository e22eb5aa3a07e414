import { type AuthClient, type AuthClientOptions, createAuthClient } from './auth-client.js';
import {
  type CredentialsProviderOptions,
  createCredentialsProvider,
  type DevauthCredentialsProvider,
} from './credentials.js';
import { errorFromResponse } from './errors.js';
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
  return {
    ...auth,
    credentials,
    signedFetch,
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
