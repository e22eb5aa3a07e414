import { createHash, randomBytes } from 'node:crypto';

/**
 * Opaque high-entropy secrets (refresh tokens, invitation codes). 256 random bits make a slow hash pointless, so
 * they are stored as SHA-256 digests: a leaked table yields nothing usable, and lookup stays one keyed read.
 */
const TOKEN_BYTES = 32;
/** `<prefix>_` + 43 base64url characters. */
const TOKEN_SHAPE = /^[a-z]{2,8}_[A-Za-z0-9_-]{43}$/;

export function newSecretToken(prefix: string): string {
  return `${prefix}_${randomBytes(TOKEN_BYTES).toString('base64url')}`;
}

export function isSecretTokenShape(value: unknown, prefix: string): value is string {
  return typeof value === 'string' && value.length <= 64 && TOKEN_SHAPE.test(value) && value.startsWith(`${prefix}_`);
}

/** The digest stored instead of the secret: base64url SHA-256. */
export function digestSecretToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('base64url');
}

export const REFRESH_TOKEN_PREFIX = 'rt';
export const INVITATION_CODE_PREFIX = 'inv';
