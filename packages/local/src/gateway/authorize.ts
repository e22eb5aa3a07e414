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
