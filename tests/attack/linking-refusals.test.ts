/**
 * Linking refusals (security review, smaller item). Upgrading a guest identity calls
 * GetOpenIdTokenForDeveloperIdentity with the guest's IdentityId; the service may refuse that link for many reasons
 * (the identity is another user's, gone, not linkable by us, malformed for the pool). Every such refusal must fall
 * back to the user's own identity instead of failing the login with a 500, and each one is logged (rate-limited),
 * not once per instance. End to end through the handlers, the Cognito adapter and the identity-pool emulator.
 */
import './support/log-capture.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newPassword } from './support/auth-app.js';
import { type E2eStack, startE2eStack } from './support/e2e-stack.js';
import { rememberedSecretCount, rememberSecrets } from './support/log-capture.js';

const REFUSALS = [
  'NotAuthorizedException',
  'ResourceConflictException',
  'DeveloperUserAlreadyRegisteredException',
  'InvalidParameterException',
  'ResourceNotFoundException',
] as const;

describe('refused identity links', () => {
  let stack: E2eStack;
  const warnings: string[] = [];
  beforeAll(async () => {
    stack = await startE2eStack({
      brokerLogger: { error: (message) => warnings.push(message), warn: (message) => warnings.push(message) },
    });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it.each(REFUSALS)('%s while linking signs the user in on its own identity (200), and is logged', async (refusal) => {
    const username = `linker-${refusal.toLowerCase()}`;
    const password = newPassword(username);
    rememberSecrets(password);
    expect((await stack.post('/auth/register', { username, password })).status).toBe(201);
    const guest = await stack.post('/auth/guest');
    const before = warnings.length;
    stack.emulator.faults.failNext('GetOpenIdTokenForDeveloperIdentity', refusal);

    const session = await stack.post('/auth/login', {
      username,
      password,
      guestIdentityId: guest.json.identityId,
      guestLinkSecret: guest.json.guestLinkSecret,
    });
    expect(session.status).toBe(200);
    expect(session.json.identityId).toMatch(/^us-east-1:/);
    expect(session.json.identityId).not.toBe(guest.json.identityId);
    expect((await stack.stores.users.findByUsername(username))?.identityId).toBe(session.json.identityId);
    expect(warnings.slice(before)).toEqual([expect.stringContaining(refusal)]);
    // The log names the IdentityId (no secret) but never the guest link secret or a token.
    expect(warnings.join('\n')).not.toContain(guest.json.guestLinkSecret);

    // The link did not happen, so the guest kept its secret: a later login of another account may still use it.
    const other = `${username}-2`;
    const otherPassword = newPassword(other);
    rememberSecrets(otherPassword);
    await stack.post('/auth/register', { username: other, password: otherPassword });
    const upgraded = await stack.post('/auth/login', {
      username: other,
      password: otherPassword,
      guestIdentityId: guest.json.identityId,
      guestLinkSecret: guest.json.guestLinkSecret,
    });
    expect(upgraded.json.identityId).toBe(guest.json.identityId);
    expect(rememberedSecretCount()).toBeGreaterThan(0);
  });
});
