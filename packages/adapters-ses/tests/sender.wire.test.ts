import { ConfigurationError, renderMessage, UpstreamUnavailableError } from '@devauth/core';
import { afterEach, describe, expect, it } from 'vitest';
import { type SesErrorDetails, SesMessageSender, type SesMessageSenderOptions } from '../src/index.js';
import {
  closedPort,
  expectNothingSecretIn,
  type FakeSes,
  fakeSes,
  passwordReset,
  rejectionOf,
  sesError,
  TOKEN,
} from './helpers.js';

// The real SDK client (created by the sender, with its own timeouts and retries) against a local HTTP server that
// answers like SES v2: what errors look like after the SDK's deserializer and retry middleware.

const servers: FakeSes[] = [];
const senders: SesMessageSender[] = [];
afterEach(async () => {
  for (const ses of senders.splice(0)) ses.close();
  for (const server of servers.splice(0)) await server.close();
});

const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };

function sender(endpoint: string, options: Partial<SesMessageSenderOptions> = {}): SesMessageSender {
  const ses = new SesMessageSender({
    from: 'noreply@shop.example.com',
    clientConfig: { endpoint, region: 'us-east-1', credentials },
    maxAttempts: 1,
    ...options,
  });
  senders.push(ses);
  return ses;
}

async function server(answer: Parameters<typeof fakeSes>[0]): Promise<FakeSes> {
  const fake = await fakeSes(answer);
  servers.push(fake);
  return fake;
}

const message = passwordReset();
const rendered = renderMessage(message);
const secrets = [TOKEN, rendered.subject, rendered.text, rendered.html, message.to];

describe('SesMessageSender over HTTP (real SDK client, local server)', () => {
  it('posts the SendEmail request as SES v2 JSON', async () => {
    const fake = await server(() => ({ status: 200, body: JSON.stringify({ MessageId: 'm-1' }) }));
    await sender(fake.endpoint, { replyTo: 'help@shop.example.com', configurationSetName: 'tx' }).send(message);
    expect(fake.requests).toHaveLength(1);
    expect(JSON.parse(fake.requests[0]!.body)).toStrictEqual({
      FromEmailAddress: 'noreply@shop.example.com',
      Destination: { ToAddresses: [message.to] },
      ReplyToAddresses: ['help@shop.example.com'],
      ConfigurationSetName: 'tx',
      Content: {
        Simple: {
          Subject: { Data: rendered.subject, Charset: 'UTF-8' },
          Body: { Text: { Data: rendered.text, Charset: 'UTF-8' }, Html: { Data: rendered.html, Charset: 'UTF-8' } },
        },
      },
    });
  });

  it('MessageRejected (400): ConfigurationError naming it, nothing of the message in it', async () => {
    const fake = await server(() => sesError(400, 'MessageRejected', `Email address is not verified: ${message.to}`));
    const error = await rejectionOf(sender(fake.endpoint).send(message));
    expect(error).toBeInstanceOf(ConfigurationError);
    expect(error.message).toMatch(/^SES SendEmail failed with MessageRejected \(HTTP 400\) for sender noreply@shop/);
    expect(error.cause).toMatchObject({
      errorName: 'MessageRejected',
      httpStatusCode: 400,
      requestId: 'req-MessageRejected',
    });
    expectNothingSecretIn(error, secrets);
  });

  it('TooManyRequestsException (429), after the SDK retries: unavailable, retry after 1 s, not sent', async () => {
    const fake = await server(() => sesError(429, 'TooManyRequestsException'));
    const error = await rejectionOf(sender(fake.endpoint, { maxAttempts: 2 }).send(message));
    expect(fake.requests).toHaveLength(2);
    expect(error).toBeInstanceOf(UpstreamUnavailableError);
    expect(error).toMatchObject({ upstream: 'ses', retryAfterSeconds: 1, notApplied: true });
    expect((error.cause as SesErrorDetails).attempts).toBe(2);
    expectNothingSecretIn(error, secrets);
  });

  it('503: unavailable, retry after 2 s, maybe sent', async () => {
    const fake = await server(() => sesError(503, 'ServiceUnavailable'));
    const error = await rejectionOf(sender(fake.endpoint).send(message));
    expect(error).toMatchObject({ upstream: 'ses', retryAfterSeconds: 2, notApplied: false });
    expectNothingSecretIn(error, secrets);
  });

  it('no answer within requestTimeoutMs: unavailable, maybe sent', async () => {
    const fake = await server(() => 'hang');
    const started = Date.now();
    const error = await rejectionOf(sender(fake.endpoint, { requestTimeoutMs: 300 }).send(message));
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(error).toBeInstanceOf(UpstreamUnavailableError);
    expect(error).toMatchObject({ retryAfterSeconds: 2, notApplied: false });
    expect((error.cause as SesErrorDetails).errorName).toBe('TimeoutError');
    expectNothingSecretIn(error, secrets);
  });

  it('a timed-out attempt retried into a throttling answer: maybe sent (every attempt counts)', async () => {
    const fake = await server((index) => (index === 0 ? 'hang' : sesError(429, 'TooManyRequestsException')));
    const error = await rejectionOf(sender(fake.endpoint, { maxAttempts: 2, requestTimeoutMs: 300 }).send(message));
    expect(fake.requests).toHaveLength(2);
    expect(error).toMatchObject({ retryAfterSeconds: 1, notApplied: false });
    expect((error.cause as SesErrorDetails).errorName).toBe('TooManyRequestsException');
  });

  it('connection refused: unavailable, not sent', async () => {
    const port = await closedPort();
    const error = await rejectionOf(sender(`http://127.0.0.1:${port}`, { maxAttempts: 2 }).send(message));
    expect(error).toBeInstanceOf(UpstreamUnavailableError);
    expect(error).toMatchObject({ upstream: 'ses', retryAfterSeconds: 2, notApplied: true });
    expect((error.cause as SesErrorDetails).networkCode).toBe('ECONNREFUSED');
    expectNothingSecretIn(error, secrets);
  });
});
