import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import { type Clock, systemClock } from '../ports/clock.port.js';
import type { DeveloperToken, DeveloperTokenRequest, IdentityBroker } from '../ports/identity-broker.port.js';

export interface FakeIdentityBrokerOptions {
  readonly identityPoolId?: string;
  readonly developerProviderName?: string;
  readonly region?: string;
  readonly clock?: Clock;
}

/** Claims of a token minted by the fake broker, shaped like Cognito's developer-authenticated OpenID token. */
export interface FakeTokenClaims {
  readonly iss: string;
  readonly aud: string;
  readonly sub: string;
  readonly amr: readonly string[];
  readonly iat: number;
  readonly exp: number;
  readonly 'https://aws.amazon.com/tags': { readonly principal_tags: Record<string, readonly string[]> };
}

/**
 * An IdentityBroker for unit tests, with Cognito's semantics: one stable identity per developer user id, guest
 * identities that a login links to (keeping the IdentityId), and a user already linked elsewhere resolving to its own
 * identity with `identityReplaced`. Tokens are JWT-shaped (HS256 with a per-instance key) with `exp` from the
 * requested duration. `failNext` injects errors; `calls` records requests for assertions.
 */
export class FakeIdentityBroker implements IdentityBroker {
  readonly identityPoolId: string;
  readonly developerProviderName: string;
  readonly calls: DeveloperTokenRequest[] = [];
  private readonly region: string;
  private readonly clock: Clock;
  private readonly key = randomBytes(32);
  private readonly identityByUser = new Map<string, string>();
  private readonly guests = new Set<string>();
  private readonly removed = new Set<string>();
  /** Every unlinkUser request, for assertions. */
  readonly unlinks: { developerUserId: string; identityId: string }[] = [];
  private readonly pendingFailures: Error[] = [];

  constructor(options: FakeIdentityBrokerOptions = {}) {
    this.region = options.region ?? 'us-east-1';
    this.identityPoolId = options.identityPoolId ?? `${this.region}:00000000-0000-4000-8000-000000000000`;
    this.developerProviderName = options.developerProviderName ?? 'login.devauth.test';
    this.clock = options.clock ?? systemClock;
  }

  /** The next `count` calls (of any operation) reject with `error`. */
  failNext(error: Error, count = 1): void {
    for (let i = 0; i < count; i++) this.pendingFailures.push(error);
  }

  async getTokenForUser(request: DeveloperTokenRequest): Promise<DeveloperToken> {
    this.throwInjected();
    this.calls.push(structuredClone(request));
    const known = this.identityByUser.get(request.developerUserId);
    let identityId: string;
    if (known !== undefined) {
      identityId = known;
    } else if (request.identityId !== undefined && this.guests.has(request.identityId)) {
      identityId = request.identityId;
      this.guests.delete(identityId);
    } else {
      identityId = this.newIdentityId();
    }
    this.identityByUser.set(request.developerUserId, identityId);
    const now = Math.floor(this.clock.now().getTime() / 1000);
    const exp = now + request.tokenDurationSeconds;
    const claims: FakeTokenClaims = {
      iss: 'https://cognito-identity.amazonaws.com',
      aud: this.identityPoolId,
      sub: identityId,
      amr: [
        'authenticated',
        this.developerProviderName,
        `${this.developerProviderName}:${this.identityPoolId}:${request.developerUserId}`,
      ],
      iat: now,
      exp,
      'https://aws.amazon.com/tags': {
        principal_tags: Object.fromEntries(Object.entries(request.principalTags).map(([k, v]) => [k, [v]])),
      },
    };
    return {
      identityId,
      token: this.sign(claims),
      expiresAt: new Date(exp * 1000),
      identityReplaced: request.identityId !== undefined && request.identityId !== identityId,
    };
  }

  async createGuestIdentity(): Promise<{ identityId: string }> {
    this.throwInjected();
    const identityId = this.newIdentityId();
    this.guests.add(identityId);
    return { identityId };
  }

  async unlinkUser(request: { developerUserId: string; identityId: string }): Promise<void> {
    this.throwInjected();
    this.unlinks.push({ ...request });
    // As on Cognito, an unlinked developer user gets a new identity on its next login; the old one is not reused.
    if (this.identityByUser.get(request.developerUserId) === request.identityId) {
      this.identityByUser.delete(request.developerUserId);
    }
  }

  async removeIdentity(request: { developerUserId: string; identityId: string }): Promise<void> {
    this.throwInjected();
    if (this.identityByUser.get(request.developerUserId) === request.identityId) {
      this.identityByUser.delete(request.developerUserId);
    }
    this.removed.add(request.identityId);
  }

  /** Decodes and checks the signature of a token this broker minted; null if it did not mint it. */
  verify(token: string): FakeTokenClaims | null {
    const [header, payload, signature] = token.split('.');
    if (!header || !payload || !signature) return null;
    const expected = createHmac('sha256', this.key).update(`${header}.${payload}`).digest('base64url');
    if (expected !== signature) return null;
    return JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as FakeTokenClaims;
  }

  identityOf(developerUserId: string): string | undefined {
    return this.identityByUser.get(developerUserId);
  }

  isRemoved(identityId: string): boolean {
    return this.removed.has(identityId);
  }

  private sign(claims: FakeTokenClaims): string {
    const header = Buffer.from(JSON.stringify({ alg: 'HS256', typ: 'JWT' })).toString('base64url');
    const payload = Buffer.from(JSON.stringify(claims)).toString('base64url');
    const signature = createHmac('sha256', this.key).update(`${header}.${payload}`).digest('base64url');
    return `${header}.${payload}.${signature}`;
  }

  private newIdentityId(): string {
    return `${this.region}:${randomUUID()}`;
  }

  private throwInjected(): void {
    const failure = this.pendingFailures.shift();
    if (failure) throw failure;
  }
}
