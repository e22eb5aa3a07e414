import { randomUUID } from 'node:crypto';
import { resourceNotFound } from './errors.js';

/** What GetOpenIdTokenForDeveloperIdentity does when the developer user is already linked to another identity. */
export type LinkConflictBehaviour = 'reject' | 'merge';

export interface PoolRecord {
  readonly identityPoolId: string;
  identityPoolName: string;
  allowUnauthenticatedIdentities: boolean;
  allowClassicFlow: boolean;
  readonly developerProviderName: string | undefined;
  supportedLoginProviders: Record<string, string>;
  openIdConnectProviderARNs: string[];
  samlProviderARNs: string[];
  cognitoIdentityProviders: unknown[];
  tags: Record<string, string>;
  linkConflict: LinkConflictBehaviour;
}

export interface IdentityRecord {
  readonly identityId: string;
  readonly identityPoolId: string;
  /** Developer user identifiers (of the pool's developer provider) linked to this identity. */
  readonly developerUserIds: Set<string>;
  /**
   * Once authenticated, an identity never becomes a guest again: unlinking its last login makes it inaccessible
   * without logins (the service's documented UnlinkIdentity behaviour).
   */
  everAuthenticated: boolean;
  /**
   * When each developer user was last unlinked from this identity: tokens issued for that login before then stay
   * refused even if the login is linked again (MergeDeveloperIdentities can bring it back).
   */
  readonly unlinkedAt: Map<string, Date>;
  readonly createdAt: Date;
  lastModifiedAt: Date;
}

/**
 * The in-memory state of every identity pool: pools, identities and the developer-user -> identity links. One
 * identity per (pool, developer user id); the provider is fixed per pool, so the link is keyed by pool and user id.
 */
export class IdentityPoolStore {
  private readonly pools = new Map<string, PoolRecord>();
  private readonly identities = new Map<string, IdentityRecord>();
  /** `${poolId}\n${developerUserId}` -> identityId. */
  private readonly links = new Map<string, string>();

  constructor(
    private readonly region: string,
    private readonly now: () => Date,
  ) {}

  newPoolId(): string {
    return `${this.region}:${randomUUID()}`;
  }

  addPool(pool: PoolRecord): PoolRecord {
    this.pools.set(pool.identityPoolId, pool);
    return pool;
  }

  getPool(identityPoolId: string): PoolRecord | undefined {
    return this.pools.get(identityPoolId);
  }

  requirePool(identityPoolId: string): PoolRecord {
    const pool = this.pools.get(identityPoolId);
    if (!pool) throw resourceNotFound(`IdentityPool '${identityPoolId}' not found.`);
    return pool;
  }

  listPools(): PoolRecord[] {
    return [...this.pools.values()];
  }

  deletePool(identityPoolId: string): void {
    this.requirePool(identityPoolId);
    for (const identity of this.identitiesOf(identityPoolId)) this.deleteIdentity(identity.identityId);
    this.pools.delete(identityPoolId);
  }

  createIdentity(identityPoolId: string): IdentityRecord {
    const at = this.now();
    const identity: IdentityRecord = {
      identityId: `${this.region}:${randomUUID()}`,
      identityPoolId,
      developerUserIds: new Set(),
      everAuthenticated: false,
      unlinkedAt: new Map(),
      createdAt: at,
      lastModifiedAt: at,
    };
    this.identities.set(identity.identityId, identity);
    return identity;
  }

  getIdentity(identityId: string): IdentityRecord | undefined {
    return this.identities.get(identityId);
  }

  identitiesOf(identityPoolId: string): IdentityRecord[] {
    return [...this.identities.values()].filter((identity) => identity.identityPoolId === identityPoolId);
  }

  identityOfDeveloperUser(identityPoolId: string, developerUserId: string): IdentityRecord | undefined {
    const identityId = this.links.get(linkKey(identityPoolId, developerUserId));
    return identityId === undefined ? undefined : this.identities.get(identityId);
  }

  link(identity: IdentityRecord, developerUserId: string): void {
    this.links.set(linkKey(identity.identityPoolId, developerUserId), identity.identityId);
    identity.developerUserIds.add(developerUserId);
    identity.everAuthenticated = true;
    identity.lastModifiedAt = this.now();
  }

  unlink(identity: IdentityRecord, developerUserId: string): void {
    const key = linkKey(identity.identityPoolId, developerUserId);
    if (this.links.get(key) === identity.identityId) this.links.delete(key);
    identity.developerUserIds.delete(developerUserId);
    identity.lastModifiedAt = this.now();
    identity.unlinkedAt.set(developerUserId, identity.lastModifiedAt);
  }

  /** Moves every login of `source` onto `destination` and deletes `source` (MergeDeveloperIdentities). */
  merge(source: IdentityRecord, destination: IdentityRecord): void {
    if (source.identityId === destination.identityId) return;
    for (const developerUserId of [...source.developerUserIds]) this.link(destination, developerUserId);
    this.deleteIdentity(source.identityId);
  }

  /** Deletes the identity and its links; false if it did not exist. */
  deleteIdentity(identityId: string): boolean {
    const identity = this.identities.get(identityId);
    if (!identity) return false;
    for (const developerUserId of identity.developerUserIds) {
      const key = linkKey(identity.identityPoolId, developerUserId);
      if (this.links.get(key) === identityId) this.links.delete(key);
    }
    this.identities.delete(identityId);
    return true;
  }

  /** Every identity with its links, for the state file. */
  exportIdentities(): PersistedIdentity[] {
    return [...this.identities.values()].map((identity) => ({
      identityId: identity.identityId,
      identityPoolId: identity.identityPoolId,
      developerUserIds: [...identity.developerUserIds],
      everAuthenticated: identity.everAuthenticated,
      unlinkedAt: Object.fromEntries([...identity.unlinkedAt].map(([user, at]) => [user, at.toISOString()])),
      createdAt: identity.createdAt.toISOString(),
      lastModifiedAt: identity.lastModifiedAt.toISOString(),
    }));
  }

  /** Puts identities read from a state file back, with their links (each developer user links its identity). */
  importIdentities(identities: readonly PersistedIdentity[]): void {
    for (const saved of identities) {
      const identity: IdentityRecord = {
        identityId: saved.identityId,
        identityPoolId: saved.identityPoolId,
        developerUserIds: new Set(saved.developerUserIds),
        everAuthenticated: saved.everAuthenticated,
        unlinkedAt: new Map(Object.entries(saved.unlinkedAt).map(([user, at]) => [user, new Date(at)])),
        createdAt: new Date(saved.createdAt),
        lastModifiedAt: new Date(saved.lastModifiedAt),
      };
      this.identities.set(identity.identityId, identity);
      for (const developerUserId of identity.developerUserIds) {
        this.links.set(linkKey(identity.identityPoolId, developerUserId), identity.identityId);
      }
    }
  }
}

/** An identity as the emulator's state file keeps it (`IdentityPoolEmulatorOptions.stateFile`): JSON only. */
export interface PersistedIdentity {
  readonly identityId: string;
  readonly identityPoolId: string;
  readonly developerUserIds: readonly string[];
  readonly everAuthenticated: boolean;
  /** Developer user id -> ISO-8601 time it was last unlinked. */
  readonly unlinkedAt: Readonly<Record<string, string>>;
  readonly createdAt: string;
  readonly lastModifiedAt: string;
}

const linkKey = (identityPoolId: string, developerUserId: string): string => `${identityPoolId}\n${developerUserId}`;
