import { randomUUID } from 'node:crypto';
import {
  type CryptoKey,
  errors,
  exportJWK,
  generateKeyPair,
  type JWK,
  type JWTPayload,
  jwtVerify,
  SignJWT,
} from 'jose';

/** The issuer of Cognito identity-pool OpenID tokens; the emulator uses the real value so consumers need no switch. */
export const COGNITO_IDENTITY_ISSUER = 'https://cognito-identity.amazonaws.com';
/** The Logins key under which a Cognito OpenID token is presented to GetCredentialsForIdentity / GetOpenIdToken. */
export const COGNITO_IDENTITY_LOGIN_KEY = 'cognito-identity.amazonaws.com';
/** Claim carrying the session (principal) tags, as Cognito does: `{ principal_tags: { role: ['seller'] } }`. */
export const PRINCIPAL_TAGS_CLAIM = 'https://aws.amazon.com/tags';
/** Where the emulator serves the public keys of its signing key pair. */
export const JWKS_PATH = '/.well-known/jwks.json';
/**
 * Cognito identity pools sign their OpenID tokens with RS512: a decoded GetOpenIdTokenForDeveloperIdentity token
 * has the header `{"kid": "ap-northeast-15", "typ": "JWS", "alg": "RS512"}`
 * (https://speakerdeck.com/player/fcca686ecc42459fa57423156ce7561f, slide 13). AWS's developer guide names no
 * algorithm, so consumers should take it from the JWKS entry of the token's `kid` rather than hard-code it; the
 * emulator's JWKS entry and discovery document (`id_token_signing_alg_values_supported`) both say RS512.
 */
export const TOKEN_ALGORITHM = 'RS512';

export interface IdentityTokenClaims {
  readonly iss: string;
  /** The identity pool id. */
  readonly aud: string;
  /** The identity id. */
  readonly sub: string;
  /** `["authenticated", provider, "provider:poolId:developerUserId"]` or `["unauthenticated"]`. */
  readonly amr: readonly string[];
  readonly iat: number;
  readonly exp: number;
  readonly [PRINCIPAL_TAGS_CLAIM]?: { readonly principal_tags: Readonly<Record<string, readonly string[]>> };
}

export interface MintRequest {
  readonly identityPoolId: string;
  readonly identityId: string;
  readonly amr: readonly string[];
  readonly principalTags: Readonly<Record<string, string>>;
  readonly durationSeconds: number;
  readonly now: Date;
}

/** Why a presented token was refused; the message is the service-style explanation. */
export class TokenRejectedError extends Error {}

/**
 * Signs and verifies the emulator's OpenID tokens with an RS512 (RSA, SHA-512) key pair generated at start (in memory
 * only).
 */
export class TokenAuthority {
  private constructor(
    private readonly privateKey: CryptoKey,
    private readonly publicKey: CryptoKey,
    private readonly publicJwk: JWK,
  ) {}

  static async create(): Promise<TokenAuthority> {
    const { privateKey, publicKey } = await generateKeyPair(TOKEN_ALGORITHM, { extractable: true });
    // A fresh kid per start: tokens from an earlier run are refused with a clear "unknown key" instead of a bad
    // signature.
    const kid = `devauth-local-${randomUUID().slice(0, 8)}`;
    const publicJwk: JWK = { ...(await exportJWK(publicKey)), kid, alg: TOKEN_ALGORITHM, use: 'sig' };
    return new TokenAuthority(privateKey, publicKey, publicJwk);
  }

  get keyId(): string {
    return this.publicJwk.kid ?? '';
  }

  /** The JSON Web Key Set served at JWKS_PATH. */
  jwks(): { keys: JWK[] } {
    return { keys: [{ ...this.publicJwk }] };
  }

  async mint(request: MintRequest): Promise<{ token: string; claims: IdentityTokenClaims }> {
    const iat = Math.floor(request.now.getTime() / 1000);
    const tags = Object.entries(request.principalTags);
    const claims: IdentityTokenClaims = {
      iss: COGNITO_IDENTITY_ISSUER,
      aud: request.identityPoolId,
      sub: request.identityId,
      amr: [...request.amr],
      iat,
      exp: iat + request.durationSeconds,
      // Cognito puts tag values in arrays; only present when tags were given.
      ...(tags.length > 0
        ? { [PRINCIPAL_TAGS_CLAIM]: { principal_tags: Object.fromEntries(tags.map(([k, v]) => [k, [v]])) } }
        : {}),
    };
    const token = await new SignJWT({ ...claims } as unknown as JWTPayload)
      .setProtectedHeader({ alg: TOKEN_ALGORITHM, kid: this.keyId, typ: 'JWS' })
      .sign(this.privateKey);
    return { token, claims };
  }

  /** Signs arbitrary claims with the emulator's key (test hook: forge tokens with a wrong audience, subject, ...). */
  async signClaims(claims: Readonly<Record<string, unknown>>): Promise<string> {
    return new SignJWT({ ...claims } as JWTPayload)
      .setProtectedHeader({ alg: TOKEN_ALGORITHM, kid: this.keyId, typ: 'JWS' })
      .sign(this.privateKey);
  }

  /** Checks signature, issuer and expiry; audience and subject are checked by the caller against its state. */
  async verify(token: string, now: Date): Promise<IdentityTokenClaims> {
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, this.publicKey, {
        algorithms: [TOKEN_ALGORITHM],
        issuer: COGNITO_IDENTITY_ISSUER,
        currentDate: now,
      }));
    } catch (error) {
      if (error instanceof errors.JWTExpired) {
        throw new TokenRejectedError('Invalid login token. Token expired.');
      }
      if (error instanceof errors.JWTClaimValidationFailed) {
        throw new TokenRejectedError(`Invalid login token. Issuer doesn't match providerName.`);
      }
      throw new TokenRejectedError('Invalid login token. Not a valid OpenId Connect identity token.');
    }
    if (
      typeof payload.aud !== 'string' ||
      typeof payload.sub !== 'string' ||
      typeof payload.exp !== 'number' ||
      typeof payload.iat !== 'number' ||
      !Array.isArray(payload.amr)
    ) {
      throw new TokenRejectedError('Invalid login token. Not a valid OpenId Connect identity token.');
    }
    return payload as unknown as IdentityTokenClaims;
  }
}

/** The principal tags of a token as a flat map (first value of each tag). */
export function principalTagsOf(claims: IdentityTokenClaims): Record<string, string> {
  const tags = claims[PRINCIPAL_TAGS_CLAIM]?.principal_tags ?? {};
  const flat: Record<string, string> = {};
  for (const [key, values] of Object.entries(tags)) {
    const first = Array.isArray(values) ? values[0] : undefined;
    if (typeof first === 'string') flat[key] = first;
  }
  return flat;
}
