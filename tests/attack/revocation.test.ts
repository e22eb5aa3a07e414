/**
 * Lowering access must take effect (security review, medium). Disabling a user or lowering its role used to change
 * nothing at the Cognito layer: refresh tokens kept minting OpenID tokens with the old `role` tag, and an OpenID token
 * could be re-issued by GetOpenIdToken indefinitely. Now every path that lowers access revokes the user's refresh
 * token families and unlinks its developer login. What stays is the documented residual window: credentials and
 * OpenID tokens already issued live until they expire, and the in-Lambda guard refuses them as soon as it re-reads
 * the user (cache TTL 0 here). The next login gets a new IdentityId: Cognito gives an unlinked developer user a new
 * identity.
 */
import './support/log-capture.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newPassword } from './support/auth-app.js';
import { type E2eStack, startE2eStack } from './support/e2e-stack.js';
import { rememberedSecretCount, rememberSecrets } from './support/log-capture.js';

describe('revocation when access is lowered', () => {
  let stack: E2eStack;
  beforeAll(async () => {
    stack = await startE2eStack();
  });
  afterAll(async () => {
    await stack?.stop();
  });

  async function signedIn(username: string, extra: Record<string, string> = {}) {
    const password = newPassword(username);
    rememberSecrets(password);
    expect((await stack.post('/auth/register', { username, password, ...extra })).status).toBe(201);
    const session = await stack.post('/auth/login', { username, password });
    expect(session.status).toBe(200);
    const user = (await stack.stores.users.findByUsername(username))!;
    return { password, session: session.json, user };
  }

  it('a disabled user can neither refresh nor re-issue an OpenID token, nor pass the guard, nor log in', async () => {
    const { password, session, user } = await signedIn('disabled-one');
    const credentials = await stack.credentials(session.identityId!, session.openIdToken);
    expect((await stack.signedGet(credentials, '/orders')).status).toBe(200);

    await stack.app.devauth.userAccess.setStatus(user.id, 'disabled');

    expect((await stack.post('/auth/refresh', { refreshToken: session.refreshToken })).status).toBe(401);
    await expect(stack.reissueOpenIdToken(session.identityId!, session.openIdToken!)).rejects.toMatchObject({
      name: 'NotAuthorizedException',
    });
    expect((await stack.signedGet(credentials, '/orders')).status).toBe(403);
    const again = await stack.post('/auth/login', { username: 'disabled-one', password });
    expect(again.status).toBe(401);
    expect(again.json).toMatchObject({ error: { code: 'INVALID_CREDENTIALS' } });
  });

  it('a demoted seller loses the seller routes and its seller tag; a new login tags the new role', async () => {
    const invitation = await stack.app.devauth.createInvitation.execute({ role: 'seller' });
    rememberSecrets(invitation.code);
    const { password, session, user } = await signedIn('seller-one', {
      role: 'seller',
      invitationCode: invitation.code,
    });
    const sellerCredentials = await stack.credentials(session.identityId!, session.openIdToken);
    expect((await stack.signedGet(sellerCredentials, '/seller/stock')).status).toBe(200);

    await stack.app.devauth.userAccess.setRole(user.id, 'shopper');

    expect((await stack.post('/auth/refresh', { refreshToken: session.refreshToken })).status).toBe(401);
    await expect(stack.reissueOpenIdToken(session.identityId!, session.openIdToken!)).rejects.toMatchObject({
      name: 'NotAuthorizedException',
    });
    // The old credentials still carry role=seller for IAM (the residual window); the guard reads the store.
    expect((await stack.signedGet(sellerCredentials, '/seller/stock')).status).toBe(403);

    // The old identity no longer resolves to the user; Cognito gives the unlinked user a new identity on login.
    expect(await stack.stores.users.findByIdentityId(session.identityId!)).toBeNull();
    const relogin = await stack.post('/auth/login', { username: 'seller-one', password });
    expect(relogin.status).toBe(200);
    expect(relogin.json.role).toBe('shopper');
    expect((await stack.stores.users.findById(user.id))?.identityId).toBe(relogin.json.identityId);
    const shopperCredentials = await stack.credentials(relogin.json.identityId!, relogin.json.openIdToken);
    // IAM itself now refuses the seller route: the new credentials are tagged role=shopper.
    expect((await stack.signedGet(shopperCredentials, '/seller/stock')).status).toBe(403);
    expect((await stack.signedGet(shopperCredentials, '/orders')).status).toBe(200);
    expect(rememberedSecretCount()).toBeGreaterThan(0);
  });
});
