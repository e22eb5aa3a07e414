import { type ChildProcess, spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { connect } from 'node:net';
import { delimiter, join } from 'node:path';
import { CreateEmailIdentityCommand, GetEmailIdentityCommand, type SESv2Client } from '@aws-sdk/client-sesv2';
import { ConfigurationError, renderMessage } from '@devauth/core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { SesErrorDetails, SesMessageSender } from '../src/index.js';
import { closedPort, expectNothingSecretIn, passwordReset, rejectionOf, sdkClient, TOKEN } from './helpers.js';

// Wire compatibility with a second, independent implementation of the SES v2 protocol: moto_server (5.2). moto's
// SendEmail checks that the sender identity exists (CreateEmailIdentity marks it verified at once), validates the
// addresses and records the message, which its /moto-api/data.json shows (source, destinations, subject, and the
// HTML body when there is one). It ignores ReplyToAddresses and ConfigurationSetName and delivers nothing.

function onPath(command: string): boolean {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    try {
      accessSync(join(dir, command), constants.X_OK);
      return true;
    } catch {
      // Not in this directory.
    }
  }
  return false;
}

const motoMissing = !onPath('moto_server');
const FROM = 'noreply@shop.example.com';
let moto: ChildProcess | undefined;
let endpoint: string;
let client: SESv2Client;

async function waitForPort(port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (moto?.exitCode !== null && moto?.exitCode !== undefined)
      throw new Error(`moto_server exited (${moto.exitCode})`);
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`moto_server did not listen on ${port} within ${timeoutMs} ms`);
}

interface MotoMessage {
  readonly id: string;
  readonly source: string;
  readonly destinations: { readonly ToAddresses?: readonly string[] };
  readonly subject: string;
  readonly body: string;
}

/** The messages moto's SES backend recorded (SES v2 SendEmail shares the v1 backend). */
async function sentMessages(): Promise<readonly MotoMessage[]> {
  const response = await fetch(`${endpoint}/moto-api/data.json`);
  const data = (await response.json()) as { ses?: { Message?: MotoMessage[] } };
  return data.ses?.Message ?? [];
}

describe('moto_server availability', () => {
  // Under CI the wire-compatibility tests are required; locally they are skipped without moto.
  it.runIf(Boolean(process.env.CI))('moto_server is installed (required under CI)', () => {
    expect(motoMissing, 'moto_server not found on PATH').toBe(false);
  });
});

describe.skipIf(motoMissing)('SesMessageSender against moto_server (wire compatibility)', () => {
  beforeAll(async () => {
    const port = await closedPort();
    // Own process group (detached), so afterAll can kill moto and anything it spawned.
    moto = spawn('moto_server', ['-H', '127.0.0.1', '-p', String(port)], { detached: true, stdio: 'ignore' });
    await waitForPort(port, 20_000);
    endpoint = `http://127.0.0.1:${port}`;
    client = sdkClient(endpoint, 1);
    // The sender identity: moto marks a created email identity verified for sending at once.
    await client.send(new CreateEmailIdentityCommand({ EmailIdentity: FROM }));
  });

  afterAll(async () => {
    client?.destroy();
    if (moto?.pid === undefined || moto.exitCode !== null) return;
    const exited = new Promise((resolve) => moto!.once('exit', resolve));
    process.kill(-moto.pid, 'SIGTERM');
    const killed = await Promise.race([exited.then(() => true), new Promise((r) => setTimeout(() => r(false), 3_000))]);
    if (!killed) process.kill(-moto.pid, 'SIGKILL');
  });

  it('CreateEmailIdentity: the sender identity exists and is verified', async () => {
    const identity = await client.send(new GetEmailIdentityCommand({ EmailIdentity: FROM }));
    expect(identity).toMatchObject({ IdentityType: 'EMAIL_ADDRESS', VerificationStatus: 'SUCCESS' });
  });

  it('SendEmail (password reset): accepted; moto records the sender, the recipient, the subject and the body', async () => {
    const render = { appName: 'Shop', links: { passwordReset: 'https://shop.example.com/reset?token={token}' } };
    const message = passwordReset('alice@example.org');
    const before = (await sentMessages()).length;
    const spies = (['log', 'info', 'warn', 'error', 'debug'] as const).map((method) => vi.spyOn(console, method));
    try {
      const ses = new SesMessageSender({
        from: FROM,
        replyTo: 'help@shop.example.com',
        configurationSetName: 'devauth-tx',
        render,
        client,
      });
      await expect(ses.send(message)).resolves.toBeUndefined();
      // The sender logs nothing, so the token cannot reach a log through it.
      for (const spy of spies) expect(spy).not.toHaveBeenCalled();
    } finally {
      for (const spy of spies) spy.mockRestore();
    }
    const sent = (await sentMessages()).slice(before);
    expect(sent).toHaveLength(1);
    const [recorded] = sent;
    expect(recorded!.id).toMatch(/\S+/);
    expect(recorded!.source).toBe(FROM);
    expect(recorded!.destinations).toEqual({ ToAddresses: ['alice@example.org'] });
    expect(recorded!.subject).toBe('Reset your Shop password');
    // moto keeps the HTML body: the link with the token went out, as it must.
    expect(recorded!.body).toBe(renderMessage(message, render).html);
    expect(recorded!.body).toContain(`https://shop.example.com/reset?token=${TOKEN}`);
  });

  it('SendEmail from an unverified address: MessageRejected, mapped to ConfigurationError without the message', async () => {
    const message = passwordReset('bob@example.org');
    const rendered = renderMessage(message);
    const before = (await sentMessages()).length;
    const ses = new SesMessageSender({ from: 'unverified@elsewhere.example.com', client });
    const error = await rejectionOf(ses.send(message));
    expect(error).toBeInstanceOf(ConfigurationError);
    expect(error.message).toMatch(/^SES SendEmail failed with MessageRejected \(HTTP 400\)/);
    expect(error.cause).toBeInstanceOf(SesErrorDetails);
    expect(error.cause).toMatchObject({
      errorName: 'MessageRejected',
      httpStatusCode: 400,
      requestId: expect.any(String),
    });
    expectNothingSecretIn(error, [TOKEN, rendered.subject, rendered.text, rendered.html, message.to]);
    expect((await sentMessages()).length).toBe(before);
  });

  it('SendEmail to an invalid recipient: refused by moto, ConfigurationError', async () => {
    const ses = new SesMessageSender({ from: FROM, client });
    const error = await rejectionOf(ses.send(passwordReset('not-an-address')));
    expect(error).toBeInstanceOf(ConfigurationError);
    expectNothingSecretIn(error, [TOKEN]);
  });
});
