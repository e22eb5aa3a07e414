/**
 * The stored `passwordHash` of a user without a password (imported with `noPassword`): a string no hasher makes or
 * recognizes (no supported format starts with `!`, the mark Django and shadow files use for the same thing), so no
 * password ever verifies against it. Login still spends one full verification for such a user (against the dummy
 * hash, as for an unknown username), so the answer's timing does not tell that the account has no password. The
 * user gets a password through the password-reset flow (or an operator setting one), which replaces it.
 */
export const NO_PASSWORD_HASH = '!';

/** Whether a stored hash marks a user without a usable password (`!`, or anything else beginning with it). */
export function isUnusablePasswordHash(encoded: string): boolean {
  return typeof encoded !== 'string' || encoded.startsWith('!');
}
