import { digestSecretToken, newSecretToken } from './secret-token.js';

/**
 * A guest link: the proof that the caller logging in is the visitor the guest IdentityId was made for.
 *
 * An IdentityId is not a secret (it travels in bodies and events and is often a data key), and anyone who knows one
 * can obtain its guest credentials and OpenID token from Cognito without any credentials, so neither proves
 * possession. The guest route therefore returns a separate 256-bit secret with the IdentityId; only its digest is
 * stored, bound to that IdentityId, and the login that links the identity spends it (single use).
 */
export interface GuestLinkRecord {
  readonly secretHash: string;
  readonly identityId: string;
  readonly createdAt: Date;
  readonly expiresAt: Date;
  /** Set when a login linked the identity with it. */
  readonly usedAt: Date | null;
}

export const GUEST_LINK_SECRET_PREFIX = 'gl';

export interface MintedGuestLink {
  /** Handed to the guest once; only its digest is stored. */
  readonly secret: string;
  readonly record: GuestLinkRecord;
}

export function mintGuestLink(params: {
  readonly identityId: string;
  readonly now: Date;
  readonly ttlSeconds: number;
}): MintedGuestLink {
  const secret = newSecretToken(GUEST_LINK_SECRET_PREFIX);
  return {
    secret,
    record: {
      secretHash: digestSecretToken(secret),
      identityId: params.identityId,
      createdAt: params.now,
      expiresAt: new Date(params.now.getTime() + params.ttlSeconds * 1000),
      usedAt: null,
    },
  };
}
