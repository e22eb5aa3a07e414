import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';
import { ConfigurationError, type MessageSender, renderMessage, UpstreamUnavailableError } from '@devauth/core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  createSesMessageSender,
  SesErrorDetails,
  SesMessageSender,
  type SesMessageSenderOptions,
} from '../src/index.js';
import { emailVerification, expectNothingSecretIn, passwordReset, rejectionOf, TOKEN } from './helpers.js';

/** A stand-in SESv2Client: records each command, answers with `answer`. */
function stubClient(answer: (command: SendEmailCommand) => Promise<unknown> = async () => ({ MessageId: 'm-1' })) {
  const commands: SendEmailCommand[] = [];
  const client = {
    send: vi.fn(async (command: SendEmailCommand) => {
      commands.push(command);
      return answer(command);
    }),
  };
  return { client: client as unknown as SESv2Client, commands, send: client.send };
}

const render = {
  appName: 'Shop',
  links: { passwordReset: 'https://shop.example.com/reset?token={token}' },
} as const;

function sender(options: Partial<SesMessageSenderOptions> = {}, client = stubClient().client): SesMessageSender {
  return createSesMessageSender({ from: 'Shop <noreply@shop.example.com>', client, render, ...options });
}

describe('SesMessageSender: the SendEmail request', () => {
  it('implements the MessageSender port', () => {
    const port: MessageSender = sender();
    expect(typeof port.send).toBe('function');
    expect(sender()).toBeInstanceOf(SesMessageSender);
  });

  it('sends one SendEmailCommand with from, to, reply-to, configuration set and the rendered UTF-8 parts', async () => {
    const stub = stubClient();
    const message = passwordReset();
    await sender({ replyTo: 'help@shop.example.com', configurationSetName: 'devauth-tx' }, stub.client).send(message);
    expect(stub.commands).toHaveLength(1);
    const [command] = stub.commands;
    expect(command).toBeInstanceOf(SendEmailCommand);
    const rendered = renderMessage(message, render);
    expect(command!.input).toStrictEqual({
      FromEmailAddress: 'Shop <noreply@shop.example.com>',
      Destination: { ToAddresses: ['alice@example.org'] },
      ReplyToAddresses: ['help@shop.example.com'],
      ConfigurationSetName: 'devauth-tx',
      Content: {
        Simple: {
          Subject: { Data: 'Reset your Shop password', Charset: 'UTF-8' },
          Body: {
            Text: { Data: rendered.text, Charset: 'UTF-8' },
            Html: { Data: rendered.html, Charset: 'UTF-8' },
          },
        },
      },
    });
    // The link with the token is in both bodies: that is what the message is for.
    const link = `https://shop.example.com/reset?token=${TOKEN}`;
    expect(rendered.text).toContain(link);
    expect(rendered.html).toContain(`href="${link}"`);
  });

  it('leaves out ReplyToAddresses and ConfigurationSetName when not configured', async () => {
    const stub = stubClient();
    await sender({}, stub.client).send(emailVerification('bob@example.net'));
    const input = stub.commands[0]!.input;
    expect(Object.keys(input).sort()).toEqual(['Content', 'Destination', 'FromEmailAddress']);
    expect(input.Destination).toEqual({ ToAddresses: ['bob@example.net'] });
    expect(input.Content?.Simple?.Subject).toEqual({ Data: 'Confirm your email address for Shop', Charset: 'UTF-8' });
  });

  it('renders every message kind, with the configured templates, app name, links and locale', async () => {
    const stub = stubClient();
    const seen: string[] = [];
    const ses = sender(
      {
        render: {
          appName: 'Boutique',
          locale: 'fr',
          templates: {
            'password-changed': (message, context) => {
              seen.push(`${context.locale}/${context.appName}/${message.username}`);
              return { subject: 'Mot de passe modifié', text: 'Votre mot de passe a changé.', html: '<p>changé</p>' };
            },
          },
        },
      },
      stub.client,
    );
    const at = new Date('2030-01-01T00:00:00Z');
    await ses.send({ kind: 'password-changed', to: 'a@example.org', username: 'alice', at });
    await ses.send({ kind: 'account-deleted', to: 'a@example.org', username: 'alice', at });
    expect(seen).toEqual(['fr/Boutique/alice']);
    expect(stub.commands.map((c) => c.input.Content?.Simple?.Subject?.Data)).toEqual([
      'Mot de passe modifié',
      'Your Boutique account was deleted',
    ]);
    expect(stub.commands[0]!.input.Content?.Simple?.Body).toEqual({
      Text: { Data: 'Votre mot de passe a changé.', Charset: 'UTF-8' },
      Html: { Data: '<p>changé</p>', Charset: 'UTF-8' },
    });
  });

  it('a template that throws is a ConfigurationError without its text, and nothing is sent', async () => {
    const stub = stubClient();
    const ses = sender(
      {
        render: {
          templates: {
            'password-reset': (message) => {
              throw new TypeError(`cannot render ${message.token}`);
            },
          },
        },
      },
      stub.client,
    );
    const error = await rejectionOf(ses.send(passwordReset()));
    expect(error).toBeInstanceOf(ConfigurationError);
    expect(error.message).toContain('password-reset template failed (TypeError)');
    expectNothingSecretIn(error, [TOKEN]);
    expect(stub.send).not.toHaveBeenCalled();
  });

  it('a template that returns no strings is a ConfigurationError', async () => {
    const ses = sender({
      render: { templates: { 'password-reset': () => ({ subject: 'x' }) as never } },
    });
    const error = await rejectionOf(ses.send(passwordReset()));
    expect(error).toBeInstanceOf(ConfigurationError);
    expect(error.message).toContain('{ subject, text, html }');
  });
});

describe('SesMessageSender: options', () => {
  const client = stubClient().client;
  it.each([
    ['no options', undefined],
    ['no from', { client }],
    ['from without @', { from: 'noreply', client }],
    ['from with a space', { from: 'no reply@example.com', client }],
    ['from with a line break (header injection)', { from: 'a@example.com\r\nBcc: x@example.com', client }],
    ['from with an undotted domain', { from: 'a@localhost', client }],
    ['from as a number', { from: 42, client }],
    ['named from with a quote', { from: '"A" <a@example.com>', client }],
    ['replyTo not an address', { from: 'a@example.com', replyTo: 'help', client }],
    ['configurationSetName with a space', { from: 'a@example.com', configurationSetName: 'a b', client }],
    ['configurationSetName too long', { from: 'a@example.com', configurationSetName: 'x'.repeat(65), client }],
    ['client and clientConfig', { from: 'a@example.com', client, clientConfig: {} }],
    ['client without send', { from: 'a@example.com', client: {} }],
    ['maxAttempts 0', { from: 'a@example.com', maxAttempts: 0 }],
    ['maxAttempts 1.5', { from: 'a@example.com', maxAttempts: 1.5 }],
    ['maxAttempts 11', { from: 'a@example.com', maxAttempts: 11 }],
    ['requestTimeoutMs 0', { from: 'a@example.com', requestTimeoutMs: 0 }],
    ['requestTimeoutMs over 10 s', { from: 'a@example.com', requestTimeoutMs: 10_001 }],
    ['connectionTimeoutMs NaN', { from: 'a@example.com', connectionTimeoutMs: Number.NaN }],
    ['render not an object', { from: 'a@example.com', render: 'Shop' }],
  ])('%s: ConfigurationError', (_, options) => {
    expect(() => new SesMessageSender(options as unknown as SesMessageSenderOptions)).toThrow(ConfigurationError);
  });

  it.each(['noreply@example.com', 'no-reply+devauth@mail.example.co.uk', 'Example Shop <noreply@example.com>'])(
    'accepts from %s',
    (from) => {
      expect(new SesMessageSender({ from, client }).from).toBe(from);
    },
  );
});

describe('SesMessageSender: the client', () => {
  const created: SesMessageSender[] = [];
  afterEach(() => {
    for (const ses of created.splice(0)) ses.close();
  });

  const internal = (ses: SesMessageSender) => ses as unknown as { createdClient: SESv2Client | undefined };

  it('creates no client until the first send, then one with maxAttempts 3 and bounded timeouts, reused', async () => {
    const ses = new SesMessageSender({
      from: 'noreply@example.com',
      clientConfig: { region: 'eu-west-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } },
    });
    created.push(ses);
    expect(internal(ses).createdClient).toBeUndefined();
    const client = ses.client;
    expect(internal(ses).createdClient).toBe(client);
    expect(ses.client).toBe(client);
    expect(await client.config.region()).toBe('eu-west-1');
    expect(await client.config.maxAttempts()).toBe(3);
    const handler = client.config.requestHandler as unknown as { configProvider: Promise<Record<string, unknown>> };
    expect(await handler.configProvider).toMatchObject({
      connectionTimeout: 1_000,
      requestTimeout: 2_000,
      throwOnRequestTimeout: true,
    });
  });

  it('maxAttempts and the timeouts are configurable', async () => {
    const ses = new SesMessageSender({
      from: 'noreply@example.com',
      maxAttempts: 1,
      connectionTimeoutMs: 500,
      requestTimeoutMs: 4_000,
      clientConfig: { region: 'us-east-1' },
    });
    created.push(ses);
    expect(await ses.client.config.maxAttempts()).toBe(1);
    const handler = ses.client.config.requestHandler as unknown as { configProvider: Promise<Record<string, unknown>> };
    expect(await handler.configProvider).toMatchObject({ connectionTimeout: 500, requestTimeout: 4_000 });
  });

  it('uses a given client as it is and never destroys it', async () => {
    const stub = stubClient();
    const ses = sender({}, stub.client);
    expect(ses.client).toBe(stub.client);
    await ses.send(passwordReset());
    ses.close();
    expect(internal(ses).createdClient).toBeUndefined();
    expect(stub.send).toHaveBeenCalledTimes(1);
  });

  it('close() destroys the created client; the next send creates a new one', () => {
    const ses = new SesMessageSender({ from: 'noreply@example.com', clientConfig: { region: 'us-east-1' } });
    created.push(ses);
    const first = ses.client;
    const destroy = vi.spyOn(first, 'destroy');
    ses.close();
    expect(destroy).toHaveBeenCalledTimes(1);
    expect(internal(ses).createdClient).toBeUndefined();
    expect(ses.client).not.toBe(first);
  });
});

/** An SDK-like error: what the SDK throws, with a hidden `$response` and a message that could echo input. */
function sdkError(name: string, httpStatusCode?: number, extra: Record<string, unknown> = {}): Error {
  const error = Object.assign(new Error(`${name}: could not send "Reset your Shop password" with ${TOKEN}`), {
    name,
    ...(httpStatusCode === undefined
      ? {}
      : { $metadata: { httpStatusCode, requestId: `req-${name}`, attempts: 3, totalRetryDelay: 100 } }),
    ...extra,
  });
  Object.defineProperty(error, '$response', {
    enumerable: false,
    value: {
      statusCode: httpStatusCode,
      headers: {},
      body: `{"Subject":"Reset your Shop password","token":"${TOKEN}"}`,
    },
  });
  return error;
}

const network = (code: string, syscall?: string) =>
  Object.assign(new Error(`${syscall ?? 'read'} ${code} 127.0.0.1:1 (${TOKEN})`), {
    code,
    ...(syscall ? { syscall } : {}),
  });

type Expected =
  | { kind: 'unavailable'; retryAfter: 1 | 2; notApplied: boolean }
  | { kind: 'configuration'; status?: number };

const TABLE: readonly [string, unknown, Expected][] = [
  [
    'TooManyRequestsException (429)',
    sdkError('TooManyRequestsException', 429),
    { kind: 'unavailable', retryAfter: 1, notApplied: true },
  ],
  [
    'LimitExceededException (400)',
    sdkError('LimitExceededException', 400),
    { kind: 'unavailable', retryAfter: 1, notApplied: true },
  ],
  [
    'ThrottlingException (400)',
    sdkError('ThrottlingException', 400),
    { kind: 'unavailable', retryAfter: 1, notApplied: true },
  ],
  ['any 429', sdkError('SomethingNew', 429), { kind: 'unavailable', retryAfter: 1, notApplied: true }],
  [
    'InternalServiceErrorException (500)',
    sdkError('InternalServiceErrorException', 500),
    { kind: 'unavailable', retryAfter: 2, notApplied: false },
  ],
  ['any 503', sdkError('ServiceUnavailable', 503), { kind: 'unavailable', retryAfter: 2, notApplied: false }],
  ['any 502', sdkError('UnknownError', 502), { kind: 'unavailable', retryAfter: 2, notApplied: false }],
  ['ECONNREFUSED', network('ECONNREFUSED', 'connect'), { kind: 'unavailable', retryAfter: 2, notApplied: true }],
  ['ENOTFOUND', network('ENOTFOUND', 'getaddrinfo'), { kind: 'unavailable', retryAfter: 2, notApplied: true }],
  [
    'dual-stack connect failure (AggregateError)',
    Object.assign(new AggregateError([network('ECONNREFUSED', 'connect'), network('ENETUNREACH', 'connect')], 'x'), {
      code: 'ECONNREFUSED',
    }),
    { kind: 'unavailable', retryAfter: 2, notApplied: true },
  ],
  [
    'connection timeout (never connected)',
    Object.assign(
      new Error(
        '@smithy/node-http-handler - the request socket did not establish a connection with the server within the configured timeout of 1000 ms.',
      ),
      { name: 'TimeoutError' },
    ),
    { kind: 'unavailable', retryAfter: 2, notApplied: true },
  ],
  [
    'request timeout (may have been sent)',
    Object.assign(
      new Error('@smithy/node-http-handler - [ERROR] a request has exceeded the configured 2000 ms requestTimeout.'),
      {
        name: 'TimeoutError',
        code: 'ETIMEDOUT',
      },
    ),
    { kind: 'unavailable', retryAfter: 2, notApplied: false },
  ],
  ['ECONNRESET (may have been sent)', network('ECONNRESET'), { kind: 'unavailable', retryAfter: 2, notApplied: false }],
  ['EPIPE', network('EPIPE'), { kind: 'unavailable', retryAfter: 2, notApplied: false }],
  ['MessageRejected (400)', sdkError('MessageRejected', 400), { kind: 'configuration', status: 400 }],
  [
    'MailFromDomainNotVerifiedException (400)',
    sdkError('MailFromDomainNotVerifiedException', 400),
    { kind: 'configuration', status: 400 },
  ],
  [
    'AccountSuspendedException (400)',
    sdkError('AccountSuspendedException', 400),
    { kind: 'configuration', status: 400 },
  ],
  ['SendingPausedException (400)', sdkError('SendingPausedException', 400), { kind: 'configuration', status: 400 }],
  ['NotFoundException (404)', sdkError('NotFoundException', 404), { kind: 'configuration', status: 404 }],
  ['BadRequestException (400)', sdkError('BadRequestException', 400), { kind: 'configuration', status: 400 }],
  ['AccessDeniedException (403)', sdkError('AccessDeniedException', 403), { kind: 'configuration', status: 403 }],
  [
    'UnrecognizedClientException (403)',
    sdkError('UnrecognizedClientException', 403),
    { kind: 'configuration', status: 403 },
  ],
  ['any other 4xx', sdkError('SomethingNew', 409), { kind: 'configuration', status: 409 }],
  ['CredentialsProviderError (no status)', sdkError('CredentialsProviderError'), { kind: 'configuration' }],
  ['a thrown string', `boom ${TOKEN}`, { kind: 'configuration' }],
];

describe('SesMessageSender: error classification', () => {
  it.each(TABLE)('%s', async (_label, thrown, expected) => {
    const stub = stubClient(async () => {
      throw thrown;
    });
    const message = passwordReset();
    const error = await rejectionOf(sender({ configurationSetName: 'devauth-tx' }, stub.client).send(message));
    const rendered = renderMessage(message, render);
    // Nothing of the message: the token, the link, the subject, the bodies, the recipient.
    expectNothingSecretIn(error, [
      TOKEN,
      encodeURIComponent(TOKEN),
      rendered.subject,
      rendered.text,
      rendered.html,
      message.to,
    ]);
    expect(error.cause).toBeInstanceOf(SesErrorDetails);
    const cause = error.cause as SesErrorDetails;
    expect(cause.operation).toBe('SendEmail');
    expect(Object.keys(cause).sort()).toEqual(
      ['attempts', 'errorName', 'httpStatusCode', 'name', 'networkCode', 'operation', 'requestId'].sort(),
    );
    if (expected.kind === 'unavailable') {
      expect(error).toBeInstanceOf(UpstreamUnavailableError);
      const unavailable = error as UpstreamUnavailableError;
      expect(unavailable.upstream).toBe('ses');
      expect(unavailable.retryAfterSeconds).toBe(expected.retryAfter);
      expect(unavailable.notApplied).toBe(expected.notApplied);
    } else {
      expect(error).toBeInstanceOf(ConfigurationError);
      const name = typeof thrown === 'object' ? (thrown as Error).name : 'UnknownError';
      expect(cause.errorName).toBe(name);
      expect(error.message).toContain(`SES SendEmail failed with ${name}`);
      expect(error.message).toContain('noreply@shop.example.com');
      expect(error.message).toContain('devauth-tx');
      expect(cause.httpStatusCode).toBe(expected.status);
      if (expected.status !== undefined) {
        expect(error.message).toContain(`(HTTP ${expected.status})`);
        expect(cause.requestId).toBe(`req-${name}`);
        expect(cause.attempts).toBe(3);
      }
    }
  });

  it('domain errors thrown by a client pass through unchanged', async () => {
    const original = new UpstreamUnavailableError('ses', 7, { notApplied: true });
    const stub = stubClient(async () => {
      throw original;
    });
    expect(await rejectionOf(sender({}, stub.client).send(passwordReset()))).toBe(original);
  });

  it('the error of a network failure keeps its code for the operator', async () => {
    const stub = stubClient(async () => {
      throw network('ECONNREFUSED', 'connect');
    });
    const error = await rejectionOf(sender({}, stub.client).send(passwordReset()));
    expect((error.cause as SesErrorDetails).networkCode).toBe('ECONNREFUSED');
    expect((error.cause as SesErrorDetails).message).toBe('SES SendEmail: Error [ECONNREFUSED]');
  });
});

describe('SesMessageSender logs nothing', () => {
  it('no console call on success or on any failure', async () => {
    const spies = (['log', 'info', 'warn', 'error', 'debug', 'trace'] as const).map((method) =>
      vi.spyOn(console, method).mockImplementation(() => {}),
    );
    try {
      await sender().send(passwordReset());
      for (const [, thrown] of TABLE) {
        const stub = stubClient(async () => {
          throw thrown;
        });
        await rejectionOf(sender({}, stub.client).send(passwordReset()));
      }
      for (const spy of spies) expect(spy).not.toHaveBeenCalled();
    } finally {
      for (const spy of spies) spy.mockRestore();
    }
  });

  it('its sources never use the console or a logger', () => {
    const dir = join(import.meta.dirname, '..', 'src');
    for (const file of readdirSync(dir)) {
      const source = readFileSync(join(dir, file), 'utf8');
      expect(source, file).not.toMatch(/\bconsole\b|\blogger\b|process\.(stdout|stderr)/);
    }
  });
});
