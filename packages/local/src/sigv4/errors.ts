/**
 * Why a SigV4 request was refused, with the exception names and messages AWS answers with. The local gateway sends
 * them as API Gateway does (403, `{"message"}`, `x-amzn-ErrorType`); the identity-pool emulator as AWS JSON 1.1
 * services do (400, `{"__type", "message"}`).
 *
 * Sources for the wording: API Gateway's 403 table in "How do I troubleshoot HTTP 403 errors from API Gateway?"
 * (https://repost.aws/knowledge-center/api-gateway-troubleshoot-403-forbidden: Missing Authentication Token, "The
 * security token included in the request is invalid.", "Signature expired", "The request signature we calculated
 * does not match...") and "Missing Authentication Token" errors
 * (https://repost.aws/knowledge-center/api-gateway-authentication-token-errors). The "Signature expired: <date> is
 * now earlier than <date> (<now> - 5 min.)" and "'Host' or ':authority' must be a 'SignedHeader'" texts are the ones
 * AWS endpoints answer with; AWS documents their meaning, not their exact wording.
 */

export type SignatureErrorType =
  | 'MissingAuthenticationTokenException'
  | 'IncompleteSignatureException'
  | 'InvalidSignatureException'
  | 'UnrecognizedClientException'
  | 'ExpiredTokenException';

/** A request that cannot be checked or does not verify, with AWS's exception name and message for it. */
export class SignatureError extends Error {
  constructor(
    readonly type: SignatureErrorType,
    message: string,
  ) {
    super(message);
    this.name = 'SignatureError';
  }
}

export const SIGNATURE_MISMATCH =
  'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key ' +
  'and signing method. Consult the service documentation for details.';

export const MISSING_AUTHENTICATION_TOKEN = 'Missing Authentication Token';

export const HOST_NOT_SIGNED = "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.";

export const INVALID_EXPIRES = 'X-Amz-Expires must be an integer between 1 and 604800 seconds.';

export const mismatch = (): SignatureError => new SignatureError('InvalidSignatureException', SIGNATURE_MISMATCH);
