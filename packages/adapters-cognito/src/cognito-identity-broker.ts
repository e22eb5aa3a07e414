import {
  CognitoIdentityClient,
  DeleteIdentitiesCommand,
  GetIdCommand,
  GetOpenIdTokenForDeveloperIdentityCommand,
  UnlinkDeveloperIdentityCommand,
} from '@aws-sdk/client-cognito-identity';
import type { DeveloperToken, DeveloperTokenRequest, IdentityBroker } from '@devauth/core';
import { CognitoErrorDetails, ErrorMapper, errorName } from './errors.js';
import { readJwtExpiry } from './jwt.js';
import { LINK_REFUSALS, RateLimitedReporter } from './link-refusals.js';
import { type CognitoIdentityBrokerOptions, type ResolvedOptions, resolveOptions } from './options.js';

/**
 * Timeouts of a client the broker creates: a hung call must not hold a login open. `requestTimeout` bounds each
 * attempt from start to answer, and only with `throwOnRequestTimeout` does the SDK give up then (without it, it logs
 * a warning and keeps waiting for an answer that may never come). 5 s per attempt keeps the default 3 attempts, with
 * their backoff, under API Gateway's 29 s integration timeout, so the caller gets our 503 rather than a 504.
 */
export const DEFAULT_REQUEST_HANDLER = {
  connectionTimeout: 3_000,
  requestTimeout: 5_000,
  throwOnRequestTimeout: true,
} as const;

/**
 * The core's IdentityBroker on Amazon Cognito identity pools (developer-authenticated identities).
 *
 * - getTokenForUser: GetOpenIdTokenForDeveloperIdentity. With an IdentityId (the user's own, or a guest's to upgrade)
 *   the service links the user to it; on any refusal of that link (LINK_REFUSALS: linked elsewhere, gone, not
 *   authorized, invalid identity) the call is repeated once without IdentityId, which resolves to the user's own
 *   identity, and the refusal is logged each time (rate-limited). Any answer with another IdentityId than the one
 *   sent (including a service that merges) is reported as `identityReplaced`.
 * - createGuestIdentity: GetId without logins.
 * - unlinkUser: UnlinkDeveloperIdentity (revocation); already unlinked or gone is success.
 * - removeIdentity: UnlinkDeveloperIdentity, then DeleteIdentities; already gone is success.
 *
 * Errors: UpstreamUnavailableError (throttling, outages, network; after the SDK's retries) or ConfigurationError
 * (everything the service refuses), logged once per kind. Nothing is created until the first call.
 */
export class CognitoIdentityBroker implements IdentityBroker {
  private readonly options: ResolvedOptions;
  private readonly errors: ErrorMapper;
  private readonly linkRefusals: RateLimitedReporter;
  private createdClient: CognitoIdentityClient | undefined;

  constructor(options: CognitoIdentityBrokerOptions) {
    this.options = resolveOptions(options);
    this.errors = new ErrorMapper(this.options.identityPoolId, this.options.logger, this.options.retryAfterSeconds);
    const logger = this.options.logger;
    this.linkRefusals = new RateLimitedReporter(
      (message) => (logger.warn ? logger.warn(message) : logger.error(message)),
      () => this.options.clock.now().getTime(),
    );
  }

  get identityPoolId(): string {
    return this.options.identityPoolId;
  }

  get developerProviderName(): string {
    return this.options.developerProviderName;
  }

  /** The SDK client: the one given, or one created on first use from `clientConfig`. */
  get client(): CognitoIdentityClient {
    if (this.options.client) return this.options.client;
    this.createdClient ??= new CognitoIdentityClient({
      region: this.options.region,
      maxAttempts: this.options.maxAttempts,
      requestHandler: DEFAULT_REQUEST_HANDLER,
      ...this.options.clientConfig,
    });
    return this.createdClient;
  }

  async getTokenForUser(request: DeveloperTokenRequest): Promise<DeveloperToken> {
    const secrets = [request.developerUserId];
    try {
      return await this.requestToken(request, request.identityId);
    } catch (error) {
      const name = errorName(error);
      if (request.identityId === undefined || !LINK_REFUSALS.has(name)) {
        throw this.errors.map('GetOpenIdTokenForDeveloperIdentity', error, secrets);
      }
      // The IdentityId is not a secret; the developer user id is ours. Neither token nor login value is logged.
      this.linkRefusals.note(
        `[devauth/adapters-cognito] Linking identity ${request.identityId} was refused (${name}); ` +
          'signing the user in on its own identity instead.',
      );
    }
    // The requested identity cannot take this user: resolve to the user's own identity.
    try {
      return await this.requestToken(request, undefined);
    } catch (error) {
      throw this.errors.map('GetOpenIdTokenForDeveloperIdentity', error, secrets);
    }
  }

  async createGuestIdentity(): Promise<{ readonly identityId: string }> {
    let identityId: string | undefined;
    try {
      ({ IdentityId: identityId } = await this.client.send(
        new GetIdCommand({
          IdentityPoolId: this.options.identityPoolId,
          ...(this.options.accountId === undefined ? {} : { AccountId: this.options.accountId }),
        }),
      ));
    } catch (error) {
      throw this.errors.map('GetId', error);
    }
    if (!identityId) throw this.malformed('GetId', 'no IdentityId in the response');
    return { identityId };
  }

  async unlinkUser(request: { readonly developerUserId: string; readonly identityId: string }): Promise<void> {
    try {
      await this.client.send(
        new UnlinkDeveloperIdentityCommand({
          IdentityId: request.identityId,
          IdentityPoolId: this.options.identityPoolId,
          DeveloperProviderName: this.options.developerProviderName,
          DeveloperUserIdentifier: request.developerUserId,
        }),
      );
    } catch (error) {
      // The identity (or the link) is already gone: that is the state asked for, so a retry completes.
      if (errorName(error) !== 'ResourceNotFoundException') {
        throw this.errors.map('UnlinkDeveloperIdentity', error, [request.developerUserId]);
      }
    }
  }

  async removeIdentity(request: { readonly developerUserId: string; readonly identityId: string }): Promise<void> {
    const secrets = [request.developerUserId];
    await this.unlinkUser(request);
    let unprocessed: { IdentityId?: string | undefined; ErrorCode?: string | undefined }[] | undefined;
    try {
      ({ UnprocessedIdentityIds: unprocessed } = await this.client.send(
        new DeleteIdentitiesCommand({ IdentityIdsToDelete: [request.identityId] }),
      ));
    } catch (error) {
      throw this.errors.map('DeleteIdentities', error, secrets);
    }
    // Unknown ids are not reported by the service, so already-deleted identities need no special case.
    const failure = unprocessed?.find((entry) => entry.IdentityId === request.identityId);
    if (failure) {
      const code = failure.ErrorCode ?? 'UnknownError';
      const cause = new CognitoErrorDetails('DeleteIdentities', code, 'identity not deleted', undefined, undefined, 1);
      if (code === 'AccessDenied') throw this.errors.configuration(cause);
      throw this.errors.unavailable(cause);
    }
  }

  /** Closes the client the broker created (a client passed in is left to its owner). */
  close(): void {
    this.createdClient?.destroy();
    this.createdClient = undefined;
  }

  private async requestToken(request: DeveloperTokenRequest, identityId: string | undefined): Promise<DeveloperToken> {
    const tags = Object.entries(request.principalTags);
    const output = await this.client.send(
      new GetOpenIdTokenForDeveloperIdentityCommand({
        IdentityPoolId: this.options.identityPoolId,
        ...(identityId === undefined ? {} : { IdentityId: identityId }),
        Logins: { [this.options.developerProviderName]: request.developerUserId },
        // The service refuses an empty map on some paths; omit it instead.
        ...(tags.length > 0 ? { PrincipalTags: Object.fromEntries(tags) } : {}),
        TokenDuration: request.tokenDurationSeconds,
      }),
    );
    if (!output.IdentityId || !output.Token) {
      throw this.malformed('GetOpenIdTokenForDeveloperIdentity', 'no IdentityId or Token in the response');
    }
    // Cognito's token is a JWT: its own `exp` is the truth. The fallback covers non-JWT tokens (e.g. moto's).
    const exp = readJwtExpiry(output.Token);
    const expiresAt =
      exp === undefined
        ? new Date(this.options.clock.now().getTime() + request.tokenDurationSeconds * 1000)
        : new Date(exp * 1000);
    return {
      identityId: output.IdentityId,
      token: output.Token,
      expiresAt,
      identityReplaced: request.identityId !== undefined && output.IdentityId !== request.identityId,
    };
  }

  private malformed(operation: string, what: string): Error {
    return this.errors.configuration(
      new CognitoErrorDetails(operation, 'MalformedResponse', what, undefined, undefined, undefined),
    );
  }
}

export function createCognitoIdentityBroker(options: CognitoIdentityBrokerOptions): CognitoIdentityBroker {
  return new CognitoIdentityBroker(options);
}
