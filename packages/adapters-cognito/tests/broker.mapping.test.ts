import type { CognitoIdentityClient } from '@aws-sdk/client-cognito-identity';
import { ConfigurationError, UpstreamUnavailableError } from '@devauth/core';
import { describe, expect, it, vi } from 'vitest';
import { CognitoErrorDetails, CognitoIdentityBroker } from '../src/index.js';
import { rejectionOf } from './helpers.js';

// Error mapping and linking decisions with a stubbed client, for service answers the emulator does not produce
// (UnprocessedIdentityIds, odd errors, messages that echo input).

const POOL = 'eu-west-1:11111111-2222-4333-8444-555555555555';
const USER = 'stub-user-8d41e0';
const JWT = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl';

/** An SDK-like service error. */
function sdkError(name: string, status?: number, message = `${name} happened`): Error {
  return Object.assign(new Error(message), {
    name,
    $fault: status !== undefined && status >= 500 ? 'server' : 'client',
    $metadata: { httpStatusCode: status, requestId: 'req-1', attempts: 1 },
  });
}

function stubbed(...answers: (unknown | Error)[]) {
  const send = vi.fn(async () => {
    const next = answers.shift();
    if (next instanceof Error) throw next;
    return next;
  });
  const logs: string[] = [];
  const broker = new CognitoIdentityBroker({
    identityPoolId: POOL,
    developerProviderName: 'login.stub',
    client: { send } as unknown as CognitoIdentityClient,
    logger: { error: (line) => logs.push(line) },
    clock: { now: () => new Date('2030-01-01T00:00:00Z') },
  });
  return { broker, send, logs };
}

const request = (identityId?: string) => ({
  developerUserId: USER,
  identityId,
  principalTags: { role: 'buyer' },
  tokenDurationSeconds: 600,
});

function inputOf(send: ReturnType<typeof vi.fn>, call: number): Record<string, unknown> {
  const command = send.mock.calls[call]?.[0] as { input: Record<string, unknown> } | undefined;
  if (!command) throw new Error(`no call #${call}`);
  return command.input;
}

describe('GetOpenIdTokenForDeveloperIdentity request and result', () => {
  it('sends pool, Logins, tags, duration and the IdentityId', async () => {
    const { broker, send } = stubbed({ IdentityId: 'eu-west-1:aaaa', Token: JWT });
    await broker.getTokenForUser(request('eu-west-1:aaaa'));
    expect(inputOf(send, 0)).toEqual({
      IdentityPoolId: POOL,
      IdentityId: 'eu-west-1:aaaa',
      Logins: { 'login.stub': USER },
      PrincipalTags: { role: 'buyer' },
      TokenDuration: 600,
    });
  });

  it('omits empty PrincipalTags', async () => {
    const { broker, send } = stubbed({ IdentityId: 'eu-west-1:aaaa', Token: JWT });
    await broker.getTokenForUser({ ...request(), principalTags: {} });
    expect(inputOf(send, 0)).not.toHaveProperty('PrincipalTags');
    expect(inputOf(send, 0)).not.toHaveProperty('IdentityId');
  });

  it('falls back to clock + duration when the token has no readable exp', async () => {
    const { broker } = stubbed({ IdentityId: 'eu-west-1:aaaa', Token: 'opaque-token' });
    const result = await broker.getTokenForUser(request());
    expect(result.expiresAt.toISOString()).toBe('2030-01-01T00:10:00.000Z');
  });

  it('reports a different IdentityId than the one sent as replaced', async () => {
    const { broker } = stubbed({ IdentityId: 'eu-west-1:bbbb', Token: JWT });
    expect(await broker.getTokenForUser(request('eu-west-1:aaaa'))).toMatchObject({
      identityId: 'eu-west-1:bbbb',
      identityReplaced: true,
    });
  });

  it.each([
    'DeveloperUserAlreadyRegisteredException',
    'ResourceConflictException',
    'ResourceNotFoundException',
    'NotAuthorizedException',
    'InvalidParameterException',
  ])('retries once without IdentityId after %s, and logs the refused link each time', async (name) => {
    const ok = { IdentityId: 'eu-west-1:bbbb', Token: JWT };
    const { broker, send, logs } = stubbed(sdkError(name, 400), ok, sdkError(name, 400), ok);
    const result = await broker.getTokenForUser(request('eu-west-1:aaaa'));
    expect(result).toMatchObject({ identityId: 'eu-west-1:bbbb', identityReplaced: true });
    expect(send).toHaveBeenCalledTimes(2);
    expect(inputOf(send, 1)).not.toHaveProperty('IdentityId');
    expect(logs).toEqual([expect.stringContaining(`Linking identity eu-west-1:aaaa was refused (${name})`)]);
    // Each refusal is logged, not only the first of an instance.
    await broker.getTokenForUser(request('eu-west-1:aaaa'));
    expect(logs.filter((line) => line.includes(name))).toHaveLength(2);
  });

  it('retries only once', async () => {
    const { broker, send } = stubbed(
      sdkError('ResourceNotFoundException', 400),
      sdkError('ResourceNotFoundException', 400),
    );
    await expect(broker.getTokenForUser(request('eu-west-1:aaaa'))).rejects.toBeInstanceOf(ConfigurationError);
    expect(send).toHaveBeenCalledTimes(2);
  });

  it('a conflict without an IdentityId is transient (UpstreamUnavailableError), not retried', async () => {
    const { broker, send } = stubbed(sdkError('ResourceConflictException', 400));
    await expect(broker.getTokenForUser(request())).rejects.toBeInstanceOf(UpstreamUnavailableError);
    expect(send).toHaveBeenCalledTimes(1);
  });

  it('a response without Token is a ConfigurationError', async () => {
    const { broker, logs } = stubbed({ IdentityId: 'eu-west-1:aaaa' });
    await expect(broker.getTokenForUser(request())).rejects.toBeInstanceOf(ConfigurationError);
    expect(logs).toHaveLength(1);
  });
});

describe('error classification', () => {
  it.each([
    ['TooManyRequestsException', 400, UpstreamUnavailableError],
    ['LimitExceededException', 400, UpstreamUnavailableError],
    ['SomethingThrottled', 429, UpstreamUnavailableError],
    ['InternalErrorException', 500, UpstreamUnavailableError],
    ['BadGateway', 502, UpstreamUnavailableError],
    ['NotAuthorizedException', 400, ConfigurationError],
    ['ResourceNotFoundException', 400, ConfigurationError],
    ['InvalidParameterException', 400, ConfigurationError],
    ['MissingAuthenticationTokenException', 400, ConfigurationError],
    ['UnrecognizedClientException', 400, ConfigurationError],
    ['ExpiredTokenException', 400, ConfigurationError],
  ])('%s (HTTP %i) -> %s', async (name, status, expected) => {
    const { broker } = stubbed(sdkError(name, status));
    await expect(broker.createGuestIdentity()).rejects.toBeInstanceOf(expected);
  });

  it('network failures (no HTTP status) are UpstreamUnavailableError', async () => {
    for (const failure of [
      Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' }),
      Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }),
      Object.assign(new Error('timed out'), { name: 'TimeoutError' }),
      Object.assign(new Error('wrapped'), { cause: Object.assign(new Error('x'), { code: 'ENOTFOUND' }) }),
    ]) {
      const { broker } = stubbed(failure);
      await expect(broker.createGuestIdentity()).rejects.toBeInstanceOf(UpstreamUnavailableError);
    }
  });

  it('missing backend credentials and unrecognised errors are ConfigurationError', async () => {
    for (const failure of [
      Object.assign(new Error('Could not load credentials from any providers'), { name: 'CredentialsProviderError' }),
      new TypeError('boom'),
      'a string',
    ]) {
      const { broker, logs } = stubbed(failure instanceof Error ? failure : Object.assign(new Error(), { name: '' }));
      await expect(broker.createGuestIdentity()).rejects.toBeInstanceOf(ConfigurationError);
      expect(logs).toHaveLength(1);
    }
  });

  it('logs once per error kind', async () => {
    const { broker, logs } = stubbed(
      sdkError('NotAuthorizedException', 400),
      sdkError('NotAuthorizedException', 400),
      sdkError('InvalidParameterException', 400),
      sdkError('NotAuthorizedException', 400),
    );
    for (let i = 0; i < 4; i++) await expect(broker.createGuestIdentity()).rejects.toBeInstanceOf(ConfigurationError);
    expect(logs).toHaveLength(2);
    expect(logs[0]).toContain('NotAuthorizedException');
    expect(logs[1]).toContain('InvalidParameterException');
  });

  it('keeps no raw SDK error and scrubs echoed Logins values and tokens from every message', async () => {
    const raw = sdkError(
      'InvalidParameterException',
      400,
      `Value '${USER}' at 'logins' is bad; token ${JWT}; key ASIAABCDEFGHIJKLMNOP`,
    );
    Object.defineProperty(raw, '$response', { value: { headers: {}, body: JWT }, enumerable: false });
    const { broker, logs } = stubbed(raw);
    const error = await rejectionOf(broker.getTokenForUser(request()));
    expect(error).toBeInstanceOf(ConfigurationError);
    expect(error.cause).toBeInstanceOf(CognitoErrorDetails);
    expect(error.cause).not.toBe(raw);
    expect(error.cause).not.toHaveProperty('$response');
    const everything = [error.message, (error.cause as Error).message, ...logs].join('\n');
    expect(everything).not.toContain(USER);
    expect(everything).not.toContain(JWT);
    expect(everything).not.toContain('ASIAABCDEFGHIJKLMNOP');
    expect(everything).toContain('[redacted]');
  });

  it('takes the retry hint from Retry-After', async () => {
    const throttled = sdkError('TooManyRequestsException', 400);
    Object.defineProperty(throttled, '$response', { value: { headers: { 'retry-after': '12' } } });
    const { broker } = stubbed(throttled);
    await expect(broker.createGuestIdentity()).rejects.toMatchObject({ retryAfterSeconds: 12 });
  });
});

describe('removeIdentity', () => {
  const removal = { developerUserId: USER, identityId: 'eu-west-1:aaaa' };

  it('unlinks, then deletes', async () => {
    const { broker, send } = stubbed({}, { UnprocessedIdentityIds: [] });
    await broker.removeIdentity(removal);
    expect(inputOf(send, 0)).toEqual({
      IdentityId: 'eu-west-1:aaaa',
      IdentityPoolId: POOL,
      DeveloperProviderName: 'login.stub',
      DeveloperUserIdentifier: USER,
    });
    expect(inputOf(send, 1)).toEqual({ IdentityIdsToDelete: ['eu-west-1:aaaa'] });
  });

  it('treats an identity that is already gone as removed', async () => {
    const { broker, send } = stubbed(sdkError('ResourceNotFoundException', 400), { UnprocessedIdentityIds: [] });
    await broker.removeIdentity(removal);
    expect(send).toHaveBeenCalledTimes(2);
  });

  it('maps UnprocessedIdentityIds: AccessDenied -> ConfigurationError, InternalServerError -> Upstream', async () => {
    const denied = stubbed(
      {},
      { UnprocessedIdentityIds: [{ IdentityId: 'eu-west-1:aaaa', ErrorCode: 'AccessDenied' }] },
    );
    await expect(denied.broker.removeIdentity(removal)).rejects.toBeInstanceOf(ConfigurationError);
    expect(denied.logs[0]).toContain('DeleteIdentities');
    const failed = stubbed(
      {},
      { UnprocessedIdentityIds: [{ IdentityId: 'eu-west-1:aaaa', ErrorCode: 'InternalServerError' }] },
    );
    await expect(failed.broker.removeIdentity(removal)).rejects.toBeInstanceOf(UpstreamUnavailableError);
  });

  it('stops at an unlink failure other than not-found', async () => {
    const { broker, send } = stubbed(sdkError('NotAuthorizedException', 400));
    await expect(broker.removeIdentity(removal)).rejects.toBeInstanceOf(ConfigurationError);
    expect(send).toHaveBeenCalledTimes(1);
  });
});

describe('createGuestIdentity', () => {
  it('sends the pool id and, when configured, the account id', async () => {
    const send = vi.fn(async () => ({ IdentityId: 'eu-west-1:guest' }));
    const broker = new CognitoIdentityBroker({
      identityPoolId: POOL,
      developerProviderName: 'login.stub',
      accountId: '123456789012',
      client: { send } as unknown as CognitoIdentityClient,
    });
    expect(await broker.createGuestIdentity()).toEqual({ identityId: 'eu-west-1:guest' });
    expect(inputOf(send, 0)).toEqual({ IdentityPoolId: POOL, AccountId: '123456789012' });
  });
});
