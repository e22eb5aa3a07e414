import type { CognitoIdentityClient, CognitoIdentityClientConfig } from '@aws-sdk/client-cognito-identity';
import { type Clock, ConfigurationError } from '@devauth/core';

/**
 * Where configuration errors are reported (once per error kind, `error`) and refused identity links (each time,
 * rate-limited, `warn`; falls back to `error` when absent). Default: `console`.
 */
export interface CognitoBrokerLogger {
  error(message: string): void;
  warn?(message: string): void;
}

export interface CognitoIdentityBrokerOptions {
  /** `<region>:<guid>`; the region prefix is the client's default region. */
  readonly identityPoolId: string;
  /** The pool's DeveloperProviderName (the Logins key). */
  readonly developerProviderName: string;
  /** A ready client (its own retry settings apply). Give either `client` or `clientConfig`, not both. */
  readonly client?: CognitoIdentityClient;
  /** Settings for the client the broker creates on first use (endpoint, credentials, region, ...). */
  readonly clientConfig?: CognitoIdentityClientConfig;
  /** Attempts per call, including the SDK's retries, when the broker creates the client. Default 3. */
  readonly maxAttempts?: number;
  /** Sent with GetId when the pool belongs to another account. */
  readonly accountId?: string;
  readonly logger?: CognitoBrokerLogger;
  /** Fallback for `expiresAt` when the token carries no readable `exp`. */
  readonly clock?: Clock;
  /** `retryAfterSeconds` hints when the service gives none: throttling (default 1) and outages (default 5). */
  readonly retryAfterSeconds?: { readonly throttled?: number; readonly unavailable?: number };
}

export interface ResolvedOptions {
  readonly identityPoolId: string;
  readonly developerProviderName: string;
  readonly region: string;
  readonly client: CognitoIdentityClient | undefined;
  readonly clientConfig: CognitoIdentityClientConfig;
  readonly maxAttempts: number;
  readonly accountId: string | undefined;
  readonly logger: CognitoBrokerLogger;
  readonly clock: Clock;
  readonly retryAfterSeconds: { readonly throttled: number; readonly unavailable: number };
}

const IDENTITY_POOL_ID = /^[\w-]+:[0-9a-f-]+$/;
const DEVELOPER_PROVIDER_NAME = /^[\w._-]{1,128}$/;
const ACCOUNT_ID = /^\d{1,15}$/;

const defaultLogger: CognitoBrokerLogger = {
  error: (message) => console.error(message),
  warn: (message) => console.warn(message),
};
const systemClock: Clock = { now: () => new Date() };

function invalid(message: string): ConfigurationError {
  return new ConfigurationError(`CognitoIdentityBroker: ${message}`);
}

function positive(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) throw invalid(`${name} must be > 0.`);
  return value;
}

/** Validates the options; every problem is a ConfigurationError (a deployment mistake). */
export function resolveOptions(options: CognitoIdentityBrokerOptions): ResolvedOptions {
  if (options === null || typeof options !== 'object') throw invalid('options are required.');
  const { identityPoolId, developerProviderName } = options;
  if (typeof identityPoolId !== 'string' || identityPoolId.length > 55 || !IDENTITY_POOL_ID.test(identityPoolId)) {
    throw invalid(`identityPoolId must look like "<region>:<guid>" (got ${JSON.stringify(identityPoolId)}).`);
  }
  if (typeof developerProviderName !== 'string' || !DEVELOPER_PROVIDER_NAME.test(developerProviderName)) {
    throw invalid(`developerProviderName must be 1-128 characters of [A-Za-z0-9_.-].`);
  }
  if (options.client !== undefined && options.clientConfig !== undefined) {
    throw invalid('pass either client or clientConfig, not both.');
  }
  if (options.client !== undefined && typeof options.client?.send !== 'function') {
    throw invalid('client must be a CognitoIdentityClient.');
  }
  const maxAttempts = options.maxAttempts ?? 3;
  if (!Number.isInteger(maxAttempts) || maxAttempts < 1 || maxAttempts > 10) {
    throw invalid('maxAttempts must be an integer from 1 to 10.');
  }
  if (options.accountId !== undefined && !ACCOUNT_ID.test(options.accountId)) {
    throw invalid('accountId must be 1-15 digits.');
  }
  if (options.logger !== undefined && typeof options.logger?.error !== 'function') {
    throw invalid('logger must have an error(message) method.');
  }
  if (options.clock !== undefined && typeof options.clock?.now !== 'function') {
    throw invalid('clock must have a now() method.');
  }
  return {
    identityPoolId,
    developerProviderName,
    // Cognito identity pool ids start with their region: the natural default for the client.
    region: identityPoolId.slice(0, identityPoolId.indexOf(':')),
    client: options.client,
    clientConfig: options.clientConfig ?? {},
    maxAttempts,
    accountId: options.accountId,
    logger: options.logger ?? defaultLogger,
    clock: options.clock ?? systemClock,
    retryAfterSeconds: {
      throttled: positive(options.retryAfterSeconds?.throttled, 1, 'retryAfterSeconds.throttled'),
      unavailable: positive(options.retryAfterSeconds?.unavailable, 5, 'retryAfterSeconds.unavailable'),
    },
  };
}
