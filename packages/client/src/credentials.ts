import { fromCognitoIdentity } from '@aws-sdk/credential-providers';
import type { AuthClient } from './auth-client.js';

/** Temporary AWS credentials as the SDK's providers hand them out. */
export interface AwsCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
  readonly expiration?: Date;
  readonly identityId?: string;
}

/** An AWS SDK credential provider (usable as `credentials` of any SDK client) that can drop its cache. */
export interface DevauthCredentialsProvider {
  (): Promise<AwsCredentials>;
  /** Forget cached credentials (e.g. after the server said they expired). */
  invalidate(): void;
}

type CognitoClientConfig = NonNullable<Parameters<typeof fromCognitoIdentity>[0]['clientConfig']>;

export interface CredentialsProviderOptions {
  /** The identity pool's region. */
  readonly region: string;
  /** Extra Cognito client settings (`endpoint` for a local emulator, ...). */
  readonly clientConfig?: Omit<CognitoClientConfig, 'region'>;
  /** Re-fetch credentials this long before they expire (default 300 s, as the SDK clients do). */
  readonly expiryMarginSeconds?: number;
  /** Without a session, get a guest identity first (default true). */
  readonly autoGuest?: boolean;
  readonly now?: () => number;
}

/**
 * Cognito credentials for whoever the auth client says is signed in. The session is re-read on every call, so a guest
 * that logs in (same IdentityId) switches to authenticated credentials, and `logins` is a function so each
 * GetCredentialsForIdentity gets a current OpenID token (refreshed through devauth when near expiry).
 */
export function createCredentialsProvider(
  auth: AuthClient,
  options: CredentialsProviderOptions,
): DevauthCredentialsProvider {
  const marginMs = (options.expiryMarginSeconds ?? 300) * 1000;
  const now = options.now ?? Date.now;
  let cache: { key: string; credentials: AwsCredentials } | undefined;
  let pending: { key: string; promise: Promise<AwsCredentials> } | undefined;

  const fresh = (credentials: AwsCredentials) =>
    credentials.expiration === undefined || credentials.expiration.getTime() - now() > marginMs;

  async function fetchCredentials(key: string, identityId: string, signedIn: boolean): Promise<AwsCredentials> {
    const credentials = await fromCognitoIdentity({
      identityId,
      ...(signedIn ? { logins: { 'cognito-identity.amazonaws.com': () => auth.getOpenIdToken() } } : {}),
      clientConfig: { ...options.clientConfig, region: options.region },
    })();
    cache = { key, credentials };
    return credentials;
  }

  const provider = async (): Promise<AwsCredentials> => {
    let session = await auth.getSession();
    if (!session && options.autoGuest !== false) {
      await auth.guest();
      session = await auth.getSession();
    }
    if (!session) throw new Error('No devauth session: call guest() or login() first');
    // The key changes when a guest logs in or another user signs in, which drops the cached credentials.
    const key = `${session.kind}:${session.identityId}:${session.kind === 'user' ? (session.user?.id ?? '') : ''}`;
    if (cache?.key === key && fresh(cache.credentials)) return cache.credentials;
    if (pending?.key !== key) {
      const promise = fetchCredentials(key, session.identityId, session.kind === 'user').finally(() => {
        if (pending?.promise === promise) pending = undefined;
      });
      pending = { key, promise };
    }
    return pending.promise;
  };
  return Object.assign(provider, {
    invalidate() {
      cache = undefined;
    },
  });
}
