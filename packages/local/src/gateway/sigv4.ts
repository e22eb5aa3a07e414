/**
 * The gateway's SigV4 verification lives in the shared `../sigv4/` module (the identity-pool emulator verifies its
 * developer operations with the same code); this module keeps the gateway's import path for it.
 */
export {
  parseQuery,
  readSignatureClaim,
  type SignatureClaim,
  SignatureError,
  verifySignature,
  type WireRequest,
} from '../sigv4/index.js';
