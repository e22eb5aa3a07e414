import type { AddressInfo } from 'node:net';
import { allowedHostNames } from '../host-check.js';
import type { BackendCredentials } from './backend-signature.js';
import { CredentialRegistry, type IssuedCredentials } from './credentials.js';
import { FaultInjector } from './faults.js';
import { createPoolRecord, type OperationContext } from './operations.js';
import { RequestLog } from './request-log.js';
import { createIdentityPoolServer, OPENID_CONFIGURATION_PATH } from './server.js';
import { readStateFile, stateFileWriter } from './state-file.js';
import { IdentityPoolStore, type LinkConflictBehaviour, type PoolRecord } from './store.js';
import { type IdentityTokenClaims, JWKS_PATH, TokenAuthority } from './tokens.js';
import { DEVELOPER_PROVIDER_NAME_PATTERN, IDENTITY_POOL_ID_PATTERN, IDENTITY_POOL_NAME_PATTERN } from './validation.js';

/** Structurally the core's `Clock` port, so a core `ManualClock` can be passed. */
export interface EmulatorClock {
  now(): Date;
}

export interface CreatePoolOptions {
  /** A fixed id (`<region>:<hex/uuid>`), e.g. for a reproducible local setup; a fresh `<region>:<uuid>` otherwise. */
  readonly identityPoolId?: string;
  /** Default `devauth-local`. */
  readonly identityPoolName?: string;
  /** Default `login.devauth.local`. */
  readonly developerProviderName?: string;
  /** Guests (GetId / GetCredentialsForIdentity without logins). Default true. */
  readonly allowUnauthenticatedIdentities?: boolean;
  /** Overrides the emulator's `linkConflict` for this pool. */
  readonly linkConflict?: LinkConflictBehaviour;
}

export interface IdentityPoolEmulatorOptions {
  /** 0 (default) picks a free port. */
  readonly port?: number;
  /** Default `127.0.0.1` (loopback: nothing off this machine can reach it). */
  readonly host?: string;
  /**
   * Host names (without port) requests may carry in their Host header besides the listening address, `localhost`,
   * `127.0.0.1` and `[::1]`; any other Host is refused with 403 ForbiddenException (DNS-rebinding protection).
   */
  readonly allowedHosts?: readonly string[];
  /**
   * The backend's AWS credentials. When set, the SigV4 signature of every operation AWS requires it for (the
   * developer and pool operations) is verified against them, whatever `requireAuthorization` says; without them only
   * the presence of a signature is checked.
   */
  readonly backendCredentials?: BackendCredentials;
  /** Prefix of pool and identity ids, and the region signatures must be scoped to. Default `us-east-1`. */
  readonly region?: string;
  /** Pools created at start. */
  readonly pools?: readonly CreatePoolOptions[];
  readonly clock?: EmulatorClock;
  /**
   * GetOpenIdTokenForDeveloperIdentity with an IdentityId while the developer user is linked to another identity:
   * `'reject'` (default) throws DeveloperUserAlreadyRegisteredException; `'merge'` answers with the user's own
   * identity (a guest identity sent along is merged into it and deleted).
   */
  readonly linkConflict?: LinkConflictBehaviour;
  /** Lifetime of credentials from GetCredentialsForIdentity. Default 3600 s (the service's 1 h). */
  readonly credentialDurationSeconds?: number;
  /** Largest accepted request body. Default 256 KiB. */
  readonly maxBodyBytes?: number;
  /**
   * Refuse unsigned calls to operations that require SigV4 (MissingAuthenticationTokenException). Default true.
   * Ignored when `backendCredentials` are set (signatures are then always verified).
   */
  readonly requireAuthorization?: boolean;
  /** Account id used in role ARNs of issued credentials. Default `000000000000`. */
  readonly accountId?: string;
  /**
   * A JSON file the identities and their developer-user links are kept in: read at start (when it exists) and
   * rewritten after each request that changed them, so a restarted emulator knows the IdentityIds a persistent user
   * store links its users to. Pools, credentials and the signing key are not kept (see state-file.ts). Default:
   * memory only.
   */
  readonly stateFile?: string;
}

export interface PoolDescription {
  readonly identityPoolId: string;
  readonly identityPoolName: string;
  readonly developerProviderName: string | undefined;
  readonly allowUnauthenticatedIdentities: boolean;
  readonly linkConflict: LinkConflictBehaviour;
}

export interface IdentityDescription {
  readonly identityId: string;
  readonly identityPoolId: string;
  readonly developerUserIds: readonly string[];
  /** True once a developer login was linked (stays true after unlinking). */
  readonly authenticated: boolean;
}

export interface PoolsView {
  get(identityPoolId: string): PoolDescription | undefined;
  list(): PoolDescription[];
  identity(identityId: string): IdentityDescription | undefined;
  identities(identityPoolId: string): IdentityDescription[];
  /** The identity a developer user is linked to in a pool. */
  identityOfDeveloperUser(identityPoolId: string, developerUserId: string): string | undefined;
}

export interface CredentialsView {
  /** The credentials issued under an access key id (expired ones included: compare `expiration`). */
  lookup(accessKeyId: string): IssuedCredentials | undefined;
  list(): IssuedCredentials[];
  revoke(filter?: { readonly identityId?: string }): void;
}

export interface IdentityPoolEmulator {
  /** `http://host:port`, for the SDK's `endpoint`. */
  readonly endpoint: string;
  readonly port: number;
  readonly region: string;
  /** `<endpoint>/.well-known/jwks.json`: the public keys of the token signing key. */
  readonly jwksUri: string;
  createPool(options?: CreatePoolOptions): PoolDescription;
  readonly pools: PoolsView;
  readonly credentials: CredentialsView;
  readonly faults: FaultInjector;
  /** Requests answered, per operation (bodies are never recorded). */
  readonly requests: RequestLog;
  /** Verifies a token minted by this emulator (signature, issuer, expiry) and returns its claims. */
  verifyToken(token: string): Promise<IdentityTokenClaims>;
  /**
   * Signs arbitrary claims with the emulator's key. A test hook for forged-but-validly-signed tokens (wrong audience,
   * subject, issuer, ...); the emulator's own tokens come from GetOpenIdToken(ForDeveloperIdentity).
   */
  signToken(claims: Readonly<Record<string, unknown>>): Promise<string>;
  /** Stops listening and closes every connection. */
  stop(): Promise<void>;
}

const systemClock: EmulatorClock = { now: () => new Date() };

export const DEFAULT_DEVELOPER_PROVIDER_NAME = 'login.devauth.local';

/**
 * Starts the identity-pool emulator. Nothing listens until this is called; every emulator has its own state and its
 * own signing key pair, generated in memory.
 */
export async function startIdentityPoolEmulator(
  options: IdentityPoolEmulatorOptions = {},
): Promise<IdentityPoolEmulator> {
  const region = options.region ?? 'us-east-1';
  if (!/^[a-z0-9-]+$/.test(region)) throw new RangeError(`Invalid region: ${region}`);
  const clock = options.clock ?? systemClock;
  const now = () => clock.now();
  const store = new IdentityPoolStore(region, now);
  // Read before anything listens: a state file that cannot be read back fails the start, and is left as it is.
  const saved = options.stateFile === undefined ? [] : readStateFile(options.stateFile);
  store.importIdentities(saved);
  const saveState = options.stateFile === undefined ? undefined : stateFileWriter(options.stateFile, saved);
  const tokens = await TokenAuthority.create();
  const credentials = new CredentialRegistry(now, options.credentialDurationSeconds ?? 3600);
  const context: OperationContext = {
    store,
    tokens,
    credentials,
    now,
    accountId: options.accountId ?? '000000000000',
    defaultLinkConflict: options.linkConflict ?? 'reject',
  };
  const faults = new FaultInjector();
  const requests = new RequestLog();

  const createPool = (pool: CreatePoolOptions = {}): PoolDescription => {
    const developerProviderName = pool.developerProviderName ?? DEFAULT_DEVELOPER_PROVIDER_NAME;
    const identityPoolName = pool.identityPoolName ?? 'devauth-local';
    if (pool.identityPoolId !== undefined && !IDENTITY_POOL_ID_PATTERN.test(pool.identityPoolId)) {
      throw new RangeError(`Invalid identity pool id: ${pool.identityPoolId}`);
    }
    if (developerProviderName.length > 128 || !DEVELOPER_PROVIDER_NAME_PATTERN.test(developerProviderName)) {
      throw new RangeError(`Invalid developer provider name: ${developerProviderName}`);
    }
    if (identityPoolName.length > 128 || !IDENTITY_POOL_NAME_PATTERN.test(identityPoolName)) {
      throw new RangeError(`Invalid identity pool name: ${identityPoolName}`);
    }
    return describe(
      createPoolRecord(context, {
        identityPoolId: pool.identityPoolId,
        identityPoolName,
        developerProviderName,
        allowUnauthenticatedIdentities: pool.allowUnauthenticatedIdentities ?? true,
        linkConflict: pool.linkConflict,
      }),
    );
  };
  for (const pool of options.pools ?? []) createPool(pool);

  const host = options.host ?? '127.0.0.1';
  const server = createIdentityPoolServer({
    context,
    faults,
    log: requests,
    maxBodyBytes: options.maxBodyBytes ?? 256 * 1024,
    requireAuthorization: options.requireAuthorization ?? true,
    backendCredentials: options.backendCredentials,
    region,
    allowedHosts: allowedHostNames(host, options.allowedHosts),
  });
  if (saveState) {
    // After the answer is written: a state that did not change (most calls) is not written again.
    server.on('request', (_request, response) => response.once('finish', () => saveState(store.exportIdentities())));
  }
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const endpoint = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;

  let stopped: Promise<void> | undefined;
  const identityView = (identityId: string): IdentityDescription | undefined => {
    const identity = store.getIdentity(identityId);
    return identity
      ? {
          identityId: identity.identityId,
          identityPoolId: identity.identityPoolId,
          developerUserIds: [...identity.developerUserIds],
          authenticated: identity.everAuthenticated,
        }
      : undefined;
  };

  return {
    endpoint,
    port,
    region,
    jwksUri: `${endpoint}${JWKS_PATH}`,
    createPool,
    pools: {
      get: (identityPoolId) => {
        const pool = store.getPool(identityPoolId);
        return pool ? describe(pool) : undefined;
      },
      list: () => store.listPools().map(describe),
      identity: identityView,
      identities: (identityPoolId) =>
        store.identitiesOf(identityPoolId).flatMap((identity) => identityView(identity.identityId) ?? []),
      identityOfDeveloperUser: (identityPoolId, developerUserId) =>
        store.identityOfDeveloperUser(identityPoolId, developerUserId)?.identityId,
    },
    credentials: {
      lookup: (accessKeyId) => credentials.lookup(accessKeyId),
      list: () => credentials.list(),
      revoke: (filter) => credentials.revoke(filter),
    },
    faults,
    requests,
    verifyToken: (token) => tokens.verify(token, now()),
    signToken: (claims) => tokens.signClaims(claims),
    stop() {
      saveState?.(store.exportIdentities());
      stopped ??= new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        // Keep-alive sockets of SDK clients would otherwise hold close() open.
        server.closeAllConnections();
      });
      return stopped;
    },
  };
}

function describe(pool: PoolRecord): PoolDescription {
  return {
    identityPoolId: pool.identityPoolId,
    identityPoolName: pool.identityPoolName,
    developerProviderName: pool.developerProviderName,
    allowUnauthenticatedIdentities: pool.allowUnauthenticatedIdentities,
    linkConflict: pool.linkConflict,
  };
}

export { JWKS_PATH, OPENID_CONFIGURATION_PATH };
