/**
 * SigV4 verification shared by the local API gateway (service `execute-api`) and the identity-pool emulator's
 * developer operations (service `cognito-identity`): canonical request and signature (canonical.ts), reading what a
 * request claims (claim.ts), and checking it against a secret and the clock (verify.ts).
 */
export {
  ALGORITHM,
  type CanonicalInputs,
  canonicalHeaderValue,
  canonicalRequest,
  computeSignature,
  parseQuery,
  safeDecode,
  uriEscape,
  type WireRequest,
  wireRequest,
} from './canonical.js';
export { MAX_EXPIRES_SECONDS, readSignatureClaim, type SignatureClaim, singleHeader } from './claim.js';
export {
  HOST_NOT_SIGNED,
  INVALID_EXPIRES,
  MISSING_AUTHENTICATION_TOKEN,
  SIGNATURE_MISMATCH,
  SignatureError,
  type SignatureErrorType,
} from './errors.js';
export { formatAmzDate, MAX_SKEW_MS, parseAmzDate, type VerificationTarget, verifySignature } from './verify.js';
