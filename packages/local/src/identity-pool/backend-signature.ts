import { createHash, timingSafeEqual } from 'node:crypto';
import { readSignatureClaim, SignatureError, verifySignature, type WireRequest } from '../sigv4/index.js';
import { CognitoServiceError, missingAuthenticationToken } from './errors.js';

/** The AWS credentials the backend signs developer operations with (`backendCredentials`). */
export interface BackendCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  /** For temporary credentials: requests must then carry exactly this X-Amz-Security-Token. */
  readonly sessionToken?: string;
}

/** The SigV4 signing name of Amazon Cognito Identity (the credential scope's service). */
export const COGNITO_IDENTITY_SERVICE = 'cognito-identity';

const INVALID_TOKEN = 'The security token included in the request is invalid.';

/**
 * Verifies the SigV4 signature of a developer operation against the configured backend credentials, with the
 * gateway's verification code (../sigv4). Refusals are what AWS JSON 1.1 services answer, HTTP 400 with `__type`:
 * `MissingAuthenticationTokenException` (no signature), `UnrecognizedClientException` "The security token included
 * in the request is invalid." (an access key or session token that is not the backend's), `IncompleteSignatureException`
 * and `InvalidSignatureException` ("The request signature we calculated does not match...", "Signature expired: ...").
 * Cognito's own endpoints answer an unknown key that way, e.g. https://github.com/aws/aws-sdk-php/issues/2444
 * (`400 Bad Request` `{"__type":"UnrecognizedClientException","message":"The security token included in the
 * request is invalid."}`).
 */
export function verifyBackendSignature(
  request: WireRequest,
  options: { readonly credentials: BackendCredentials; readonly region: string; readonly now: Date },
): void {
  try {
    const claim = readSignatureClaim(request);
    if (!claim) throw missingAuthenticationToken();
    const { credentials } = options;
    const tokenMatches =
      credentials.sessionToken === undefined
        ? claim.securityToken === undefined
        : claim.securityToken !== undefined && sameSecret(claim.securityToken, credentials.sessionToken);
    if (claim.accessKeyId !== credentials.accessKeyId || !tokenMatches) {
      throw new CognitoServiceError('UnrecognizedClientException', INVALID_TOKEN);
    }
    verifySignature(request, claim, {
      region: options.region,
      service: COGNITO_IDENTITY_SERVICE,
      secretAccessKey: credentials.secretAccessKey,
      now: options.now,
    });
  } catch (error) {
    if (!(error instanceof SignatureError)) throw error;
    // A non-SigV4 Authorization (Bearer, Basic, ...) counts as no signature, in this service's wording.
    if (error.type === 'MissingAuthenticationTokenException') throw missingAuthenticationToken();
    throw new CognitoServiceError(error.type, error.message);
  }
}

function sameSecret(given: string, expected: string): boolean {
  // Hash first so lengths match and the comparison stays constant-time.
  const digest = (value: string) => createHash('sha256').update(value).digest();
  return timingSafeEqual(digest(given), digest(expected));
}
