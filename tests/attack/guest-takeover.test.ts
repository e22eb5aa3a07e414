/**
 * Guest-identity takeover (security review, high). An IdentityId is no secret: it is returned in bodies and events
 * and often used as a data key, and anyone holding one can get its guest credentials and OpenID token from Cognito
 * without any credentials. So a login that links whatever guest IdentityId its body names lets an attacker who
 * learnt a visitor's IdentityId own that identity as an authenticated user. End to end through the handlers, the
 * Cognito adapter, the identity-pool emulator and the local gateway.
 */
import './support/log-capture.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newPassword } from './support/auth-app.js';
import { type E2eStack, startE2eStack } from './support/e2e-stack.js';
import { rememberedSecretCount, rememberSecrets } from './support/log-capture.js';

describe('guest-identity takeover', () => {
  let stack: E2eStack;
  beforeAll(async () => {
    stack = await startE2eStack();
  });
  afterAll(async () => {
    await stack?.stop();
  });

  async function registered(username: string): Promise<string> {
    const password = newPassword(username);
    rememberSecrets(password);
    expect((await stack.post('/auth/register', { username, password })).status).toBe(201);
    return password;
  }

  it('an attacker who knows a victim guest IdentityId ends on its own identity; the victim upgrades in place later', async () => {
    // The victim browses as a guest: its credentials work on guest routes at the gateway.
    const victim = await stack.post('/auth/guest');
    expect(victim.status).toBe(200);
    const victimIdentity = victim.json.identityId!;
    const victimGuest = await stack.credentials(victimIdentity);
    expect((await stack.signedGet(victimGuest, '/products')).status).toBe(200);

    // The attacker learnt the IdentityId, got a guest secret of its own, and tries every way to link the victim's.
    const attackerPassword = await registered('mallory');
    const own = await stack.post('/auth/guest');
    const attempts = [
      { guestIdentityId: victimIdentity },
      { guestIdentityId: victimIdentity, guestLinkSecret: own.json.guestLinkSecret },
      { guestIdentityId: victimIdentity, guestLinkSecret: `gl_${'A'.repeat(43)}` },
    ];
    const attackerIdentities = new Set<string>();
    for (const attempt of attempts) {
      const session = await stack.post('/auth/login', { username: 'mallory', password: attackerPassword, ...attempt });
      expect(session.status).toBe(200);
      expect(session.json.identityId).not.toBe(victimIdentity);
      attackerIdentities.add(session.json.identityId!);
      // Its credentials resolve to itself, never to the victim's identity.
      const credentials = await stack.credentials(session.json.identityId!, session.json.openIdToken);
      const me = await stack.signedGet(credentials, '/orders');
      expect(me.status).toBe(200);
      expect(me.json).toMatchObject({ caller: { kind: 'user', identityId: session.json.identityId } });
    }
    expect(attackerIdentities.size).toBe(1);
    expect((await stack.stores.users.findByIdentityId(victimIdentity))?.username).toBeUndefined();

    // The victim still holds its guest identity: same IdentityId, unauthenticated, guest routes work.
    const stillGuest = await stack.credentials(victimIdentity);
    expect((await stack.signedGet(stillGuest, '/products')).status).toBe(200);
    expect((await stack.signedGet(stillGuest, '/orders')).status).toBe(403);

    // Later the victim registers and logs in with its own secret: the identity is upgraded in place.
    const victimPassword = await registered('victim');
    const upgraded = await stack.post('/auth/login', {
      username: 'victim',
      password: victimPassword,
      guestIdentityId: victimIdentity,
      guestLinkSecret: victim.json.guestLinkSecret,
    });
    expect(upgraded.status).toBe(200);
    expect(upgraded.json.identityId).toBe(victimIdentity);
    const signedIn = await stack.credentials(victimIdentity, upgraded.json.openIdToken);
    expect(await stack.signedGet(signedIn, '/orders')).toMatchObject({
      status: 200,
      json: { caller: { kind: 'user', identityId: victimIdentity } },
    });
    expect((await stack.stores.users.findByIdentityId(victimIdentity))?.username).toBe('victim');
  });

  it('a spent or expired secret links nothing and never fails the login', async () => {
    const guest = await stack.post('/auth/guest');
    const proof = { guestIdentityId: guest.json.identityId, guestLinkSecret: guest.json.guestLinkSecret };
    const first = await registered('first');
    expect((await stack.post('/auth/login', { username: 'first', password: first, ...proof })).json.identityId).toBe(
      guest.json.identityId,
    );
    const second = await registered('second');
    const replay = await stack.post('/auth/login', { username: 'second', password: second, ...proof });
    expect(replay.status).toBe(200);
    expect(replay.json.identityId).not.toBe(guest.json.identityId);
    expect(rememberedSecretCount()).toBeGreaterThan(0);
  });
});
