import { createHash, timingSafeEqual } from 'node:crypto';
import type { IssuedCredentials } from '../identity-pool/credentials.js';
import { readSignatureClaim, SignatureError, verifySignature, type WireRequest } from './sigv4.js';

/** The identity-pool emulator's credentials lookup: all the gateway needs from it. */
export interface CredentialsSource {
  readonly credentials: { lookup(accessKeyId: string): IssuedCredentials | undefined };
}

/** Who signed the request, as API Gateway puts it into events. */
export interface CallerIdentity {
  readonly credentials: IssuedCredentials;
  readonly accessKey: string;
  /** Account of the role the credentials stand for. */
  readonly accountId: string;
  /** `AROA…:CognitoIdentityCredentials`: `caller`/`user` (v1), `callerId`/`userId` (v2). */
  readonly userId: string;
  /** `arn:aws:sts::<account>:assumed-role/<role>/CognitoIdentityCredentials`. */
  readonly userArn: string;
}

/** A refused request: HTTP status, `x-amzn-ErrorType` and the `{"message"}` API Gateway answers with. */
export class GatewayDenial extends Error {
  constructor(
    readonly statusCode: number,
    readonly type: string,
    message: string,
  ) {
    super(message);
    this.name = 'GatewayDenial';
  }
}

const SESSION_NAME = 'CognitoIdentityCredentials';
const INVALID_TOKEN = 'The security token included in the request is invalid.';

/** Verifies the SigV4 signature (header or presigned form) and resolves the caller, or throws a GatewayDenial. */
export function authenticate(
  request: WireRequest,
  options: { readonly source: CredentialsSource; readonly region: string; readonly now: Date },
): CallerIdentity {
  try {
    const claim = readSignatureClaim(request);
    if (!claim) throw new SignatureError('MissingAuthenticationTokenException', 'Missing Authentication Token');
    const credentials = options.source.credentials.lookup(claim.accessKeyId);
    // Temporary credentials are only valid together with their own session token.
    if (
      !credentials ||
      claim.securityToken === undefined ||
      !sameSecret(claim.securityToken, credentials.sessionToken)
    ) {
      throw new SignatureError('UnrecognizedClientException', INVALID_TOKEN);
    }
    if (credentials.expiration.getTime() <= options.now.getTime()) {
      throw new SignatureError('ExpiredTokenException', 'The security token included in the request is expired');
    }
    verifySignature(request, claim, {
      region: options.region,
      service: 'execute-api',
      secretAccessKey: credentials.secretAccessKey,
      now: options.now,
    });
    return callerIdentity(credentials);
  } catch (error) {
    if (error instanceof SignatureError) throw new GatewayDenial(403, error.type, error.message);
    throw error;
  }
}

function sameSecret(given: string, expected: string): boolean {
  // Hash first so lengths match and the comparison stays constant-time.
  const digest = (value: string) => createHash('sha256').update(value).digest();
  return timingSafeEqual(digest(given), digest(expected));
}

export function callerIdentity(credentials: IssuedCredentials): CallerIdentity {
  const match = /^arn:aws:iam::(\d{12}):role\/(?:.*\/)?([^/]+)$/.exec(credentials.roleArn);
  const accountId = match?.[1] ?? '000000000000';
  const roleName = match?.[2] ?? 'devauth-local';
  const userId = `${roleId(credentials.roleArn)}:${SESSION_NAME}`;
  return {
    credentials,
    accessKey: credentials.accessKeyId,
    accountId,
    userId,
    userArn: `arn:aws:sts::${accountId}:assumed-role/${roleName}/${SESSION_NAME}`,
  };
}

/** A stable `AROA` + 17 characters id per role, the shape of IAM role ids (the emulator has no real ones). */
function roleId(roleArn: string): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  const digest = createHash('sha256').update(roleArn).digest();
  let id = 'AROA';
  for (let i = 0; i < 17; i++) id += alphabet[digest[i]! % 32];
  return id;
}

/** The API a policy resource is computed for (the access module's `target`). */
export interface ExecuteApiTarget {
  readonly region: string;
  readonly accountId: string;
  readonly apiId: string;
  readonly stage: string;
  readonly kind: 'rest' | 'http';
}

/**
 * The part of `@devauth/lambda-handlers/access` the gateway uses, declared structurally: that package is only a dev
 * dependency of `@devauth/local`, so it is loaded on demand (see `loadAccessModule`) and never at import time.
 */
export interface AccessModule {
  iamPolicies(
    table: never,
    target: ExecuteApiTarget,
    identityPoolId: string,
  ): { readonly unauthenticatedRolePolicy: unknown; readonly authenticatedRolePolicy: unknown };
  executeApiArn(target: ExecuteApiTarget, method: string, path: string): string;
  evaluatePolicy(
    policy: never,
    request: { action: 'execute-api:Invoke'; resource: string; principalTags: Readonly<Record<string, string>> },
  ): boolean;
}

const ACCESS_MODULE = '@devauth/lambda-handlers/access';

export async function loadAccessModule(): Promise<AccessModule> {
  // A variable specifier keeps the compiler (and bundlers) from requiring the package when no access table is used.
  const specifier: string = ACCESS_MODULE;
  try {
    return (await import(specifier)) as AccessModule;
  } catch (error) {
    throw new Error(`accessTable needs ${ACCESS_MODULE} installed`, { cause: error });
  }
}

/** Applies the access table's generated IAM policies as IAM would, before the handler runs. */
export class AccessPolicy {
  private readonly policies = new Map<string, ReturnType<AccessModule['iamPolicies']>>();

  constructor(
    private readonly access: AccessModule,
    private readonly table: unknown,
    private readonly identityPoolId: string | undefined,
  ) {}

  /** Throws the IAM deny message unless the caller's role policy allows `execute-api:Invoke` on the route. */
  check(caller: CallerIdentity, target: ExecuteApiTarget, method: string, path: string): void {
    const resource = this.resourceArn(target, method, path);
    const poolId = caller.credentials.identityPoolId;
    // The roles' trust policies only admit the configured pool: credentials of another pool get no permissions.
    const allowed =
      (this.identityPoolId === undefined || this.identityPoolId === poolId) &&
      this.access.evaluatePolicy(this.policyFor(caller.credentials, target) as never, {
        action: 'execute-api:Invoke',
        resource,
        principalTags:
          caller.credentials.authenticationType === 'authenticated' ? caller.credentials.principalTags : {},
      });
    if (!allowed) {
      throw new GatewayDenial(
        403,
        'AccessDeniedException',
        `User: ${caller.userArn} is not authorized to perform: execute-api:Invoke on resource: ${resource}`,
      );
    }
  }

  private resourceArn(target: ExecuteApiTarget, method: string, path: string): string {
    try {
      return this.access.executeApiArn(target, method, path);
    } catch {
      // Methods or path characters the table cannot express: IAM still sees the request's own ARN, which then
      // matches no generated statement.
      return `arn:aws:execute-api:${target.region}:${target.accountId}:${target.apiId}/${target.stage}/${method}/${path.replace(/^\//, '')}`;
    }
  }

  private policyFor(credentials: IssuedCredentials, target: ExecuteApiTarget): unknown {
    const key = `${credentials.identityPoolId}\n${target.kind}`;
    let policies = this.policies.get(key);
    if (!policies) {
      policies = this.access.iamPolicies(this.table as never, target, credentials.identityPoolId);
      this.policies.set(key, policies);
    }
    return credentials.authenticationType === 'authenticated'
      ? policies.authenticatedRolePolicy
      : policies.unauthenticatedRolePolicy;
  }
}
