import type { SESv2Client, SESv2ClientConfig } from '@aws-sdk/client-sesv2';
import { ConfigurationError, type RenderOptions } from '@devauth/core';

export interface SesMessageSenderOptions {
  /**
   * The sender: an address (or domain) identity verified in SES, as `noreply@example.com` or with a display name,
   * `Example <noreply@example.com>`.
   */
  readonly from: string;
  /** Where replies go (Reply-To), when not to `from`. */
  readonly replyTo?: string;
  /** The SES configuration set to send with (event publishing, dedicated IPs, suppression settings). */
  readonly configurationSetName?: string;
  /** How messages are rendered: templates (per kind), app name, links with `{token}`, locale. */
  readonly render?: RenderOptions;
  /** A ready client (its own retry and timeout settings apply). Give either `client` or `clientConfig`, not both. */
  readonly client?: SESv2Client;
  /** Settings for the client the sender creates on its first send (region, endpoint, credentials, ...). */
  readonly clientConfig?: SESv2ClientConfig;
  /** Attempts per send, including the SDK's retries, when the sender creates the client. Default 3. */
  readonly maxAttempts?: number;
  /** Time to establish the connection, per attempt, when the sender creates the client. Default 1000 ms. */
  readonly connectionTimeoutMs?: number;
  /** Time from request start to answer, per attempt, when the sender creates the client. Default 2000 ms. */
  readonly requestTimeoutMs?: number;
}

export interface ResolvedOptions {
  readonly from: string;
  readonly replyTo: string | undefined;
  readonly configurationSetName: string | undefined;
  readonly render: RenderOptions;
  readonly client: SESv2Client | undefined;
  readonly clientConfig: SESv2ClientConfig;
  readonly maxAttempts: number;
  readonly connectionTimeoutMs: number;
  readonly requestTimeoutMs: number;
}

/** 1 s to connect and 2 s per attempt: 3 attempts with the SDK's backoff stay well under API Gateway's 29 s. */
export const DEFAULT_CONNECTION_TIMEOUT_MS = 1_000;
export const DEFAULT_REQUEST_TIMEOUT_MS = 2_000;
const MAX_TIMEOUT_MS = 10_000;

/** `local@domain` with a dotted domain: no spaces, angle brackets, quotes or line breaks (no header injection). */
const ADDRESS =
  /^[^\s@<>"(),;:\\[\]]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$/;
/** `Display Name <local@domain>`: a plain display name (no quotes, brackets or line breaks) before the address. */
const NAMED_ADDRESS = /^([^\r\n<>"]{1,200}?)\s*<([^<>]+)>$/;
/** SES configuration set names: letters, digits, `_` and `-`, at most 64 characters. */
const CONFIGURATION_SET_NAME = /^[\w-]{1,64}$/;

function invalid(message: string): ConfigurationError {
  return new ConfigurationError(`SesMessageSender: ${message}`);
}

/** True for `local@domain` or `Name <local@domain>` (at most 320 characters, no line breaks). */
export function isEmailAddress(value: unknown): value is string {
  if (typeof value !== 'string' || value.length > 320 || /[\r\n]/.test(value)) return false;
  const named = NAMED_ADDRESS.exec(value);
  const address = named ? named[2]! : value;
  return address.length <= 254 && ADDRESS.test(address);
}

function timeout(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 1 || value > MAX_TIMEOUT_MS) {
    throw invalid(`${name} must be an integer from 1 to ${MAX_TIMEOUT_MS} (ms).`);
  }
  return value;
}

/** Validates the options; every problem is a ConfigurationError (a deployment mistake). */
export function resolveOptions(options: SesMessageSenderOptions): ResolvedOptions {
  if (options === null || typeof options !== 'object') throw invalid('options are required.');
  if (!isEmailAddress(options.from)) {
    throw invalid('from must be an email address (`noreply@example.com` or `Name <noreply@example.com>`).');
  }
  if (options.replyTo !== undefined && !isEmailAddress(options.replyTo)) {
    throw invalid('replyTo must be an email address.');
  }
  if (
    options.configurationSetName !== undefined &&
    (typeof options.configurationSetName !== 'string' || !CONFIGURATION_SET_NAME.test(options.configurationSetName))
  ) {
    throw invalid('configurationSetName must be 1-64 characters of [A-Za-z0-9_-].');
  }
  if (options.render !== undefined && (options.render === null || typeof options.render !== 'object')) {
    throw invalid('render must be an object (templates, appName, links, locale).');
  }
  if (options.client !== undefined && options.clientConfig !== undefined) {
    throw invalid('pass either client or clientConfig, not both.');
  }
  if (options.client !== undefined && typeof options.client?.send !== 'function') {
    throw invalid('client must be an SESv2Client.');
  }
  const maxAttempts = options.maxAttempts ?? 3;
  if (!Number.isInteger(maxAttempts) || maxAttempts < 1 || maxAttempts > 10) {
    throw invalid('maxAttempts must be an integer from 1 to 10.');
  }
  return {
    from: options.from,
    replyTo: options.replyTo,
    configurationSetName: options.configurationSetName,
    render: options.render ?? {},
    client: options.client,
    clientConfig: options.clientConfig ?? {},
    maxAttempts,
    connectionTimeoutMs: timeout(options.connectionTimeoutMs, DEFAULT_CONNECTION_TIMEOUT_MS, 'connectionTimeoutMs'),
    requestTimeoutMs: timeout(options.requestTimeoutMs, DEFAULT_REQUEST_TIMEOUT_MS, 'requestTimeoutMs'),
  };
}
