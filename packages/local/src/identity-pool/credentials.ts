import { randomBytes } from 'node:crypto';

export type AuthenticationType = 'authenticated' | 'unauthenticated';

/** Temporary AWS credentials the emulator handed out, with who they were issued to. */
export interface IssuedCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken: string;
  readonly issuedAt: Date;
  readonly expiration: Date;
  readonly identityId: string;
  readonly identityPoolId: string;
  readonly authenticationType: AuthenticationType;
  /** The token's `amr`: `["authenticated", provider, "provider:poolId:userId"]` or `["unauthenticated"]`. */
  readonly amr: readonly string[];
  /**
   * API Gateway's (payload v1) `cognitoAuthenticationProvider` shape, `"provider,provider:poolId:userId"`;
   * undefined for guests.
   */
  readonly authenticationProvider: string | undefined;
  /** The developer user id from `amr`, for authenticated credentials. */
  readonly developerUserId: string | undefined;
  /** Session tags (from the token's principal tags). */
  readonly principalTags: Readonly<Record<string, string>>;
  /** The role the credentials stand for (CustomRoleArn, or the emulator's role for the authentication type). */
  readonly roleArn: string;
}

export interface IssueRequest {
  readonly identityId: string;
  readonly identityPoolId: string;
  readonly authenticationType: AuthenticationType;
  readonly amr: readonly string[];
  readonly principalTags: Readonly<Record<string, string>>;
  readonly roleArn: string;
}

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** `ASIA` + 16 base32 characters: the shape of an STS temporary access key id. */
function accessKeyId(): string {
  const bytes = randomBytes(16);
  let id = 'ASIA';
  for (const byte of bytes) id += BASE32[byte % 32];
  return id;
}

/**
 * Mints temporary credentials and remembers them, so the local API gateway can find the secret (to check SigV4) and
 * the caller's identity by access key id. Expired credentials stay listed; callers compare `expiration` themselves.
 */
export class CredentialRegistry {
  private readonly byAccessKeyId = new Map<string, IssuedCredentials>();

  constructor(
    private readonly now: () => Date,
    private readonly durationSeconds: number,
  ) {}

  issue(request: IssueRequest): IssuedCredentials {
    const issuedAt = this.now();
    const provider = request.authenticationType === 'authenticated' ? request.amr.slice(1) : [];
    const userPrefix = `${provider[0] ?? ''}:${request.identityPoolId}:`;
    const userEntry = provider[1];
    const credentials: IssuedCredentials = {
      accessKeyId: accessKeyId(),
      secretAccessKey: randomBytes(30).toString('base64'),
      sessionToken: randomBytes(192).toString('base64'),
      issuedAt,
      // Whole seconds, as the service reports Expiration in epoch seconds.
      expiration: new Date(Math.floor(issuedAt.getTime() / 1000 + this.durationSeconds) * 1000),
      identityId: request.identityId,
      identityPoolId: request.identityPoolId,
      authenticationType: request.authenticationType,
      amr: [...request.amr],
      authenticationProvider: provider.length > 0 ? provider.join(',') : undefined,
      developerUserId: userEntry?.startsWith(userPrefix) ? userEntry.slice(userPrefix.length) : undefined,
      principalTags: { ...request.principalTags },
      roleArn: request.roleArn,
    };
    this.byAccessKeyId.set(credentials.accessKeyId, credentials);
    return credentials;
  }

  /** The credentials issued under this access key id (expired ones included), or undefined. */
  lookup(accessKeyId: string): IssuedCredentials | undefined {
    return this.byAccessKeyId.get(accessKeyId);
  }

  list(): IssuedCredentials[] {
    return [...this.byAccessKeyId.values()];
  }

  /** Forgets credentials (all, or those of one identity), e.g. after DeleteIdentities. */
  revoke(filter?: { readonly identityId?: string }): void {
    for (const [key, credentials] of this.byAccessKeyId) {
      if (filter?.identityId === undefined || credentials.identityId === filter.identityId) {
        this.byAccessKeyId.delete(key);
      }
    }
  }
}
