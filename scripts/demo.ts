/**
 * `pnpm demo`: devauth's main job in one run, with in-memory adapters and the fake identity broker. Registers a
 * shopper, logs in (guest upgrade included), refreshes, shows that a seller needs an invitation, and checks every
 * expectation: it exits non-zero if any did not hold.
 */
import { createDevauth, type DevauthError, isDevauthError } from '@devauth/core';
import {
  FakeIdentityBroker,
  InMemoryInvitationStore,
  InMemoryLoginAttemptStore,
  InMemoryRefreshTokenStore,
  InMemoryUserStore,
  RecordingEventSink,
} from '@devauth/core/testing';

const failures: string[] = [];
function expectThat(condition: boolean, what: string): void {
  console.log(`  ${condition ? '✓' : '✗'} ${what}`);
  if (!condition) failures.push(what);
}
async function refusal(promise: Promise<unknown>): Promise<DevauthError | undefined> {
  try {
    await promise;
    return undefined;
  } catch (error) {
    if (isDevauthError(error)) return error;
    throw error;
  }
}
// Secrets are never printed, not even in part: only their shape.
const short = (secret: string) => `<${secret.split('.').length === 3 ? 'JWT' : 'opaque'}, ${secret.length} chars>`;

const broker = new FakeIdentityBroker();
const events = new RecordingEventSink();
const devauth = createDevauth({
  users: new InMemoryUserStore(),
  refreshTokens: new InMemoryRefreshTokenStore(),
  loginAttempts: new InMemoryLoginAttemptStore(),
  invitations: new InMemoryInvitationStore(),
  broker,
  events,
});
const password = 'a long passphrase nobody guesses';

console.log('devauth demo: in-memory stores, fake identity broker, argon2id at OWASP parameters\n');

console.log('1. A visitor arrives as a guest');
const guest = await devauth.guest.execute();
console.log(`  guest IdentityId: ${guest.identityId}`);

console.log('\n2. The guest registers as a shopper');
const shopper = await devauth.register.execute({ username: 'Ada.Lovelace', password, email: 'Ada@Example.com' });
console.log(`  user ${shopper.id}: username "${shopper.username}", email "${shopper.email}", role ${shopper.role}`);
expectThat(shopper.username === 'ada.lovelace' && shopper.role === 'shopper', 'username canonicalized, role shopper');

console.log('\n3. The shopper logs in from the guest session');
const started = performance.now();
const session = await devauth.login.execute({ username: 'ADA.LOVELACE', password, guestIdentityId: guest.identityId });
console.log(`  login took ${(performance.now() - started).toFixed(0)} ms (one argon2id verification)`);
console.log(`  IdentityId ${session.identityId}, role tag "${session.role}"`);
console.log(`  OpenID token ${short(session.openIdToken)}, expires ${session.openIdTokenExpiresAt.toISOString()}`);
console.log(`  refresh token ${short(session.refreshToken)}`);
const claims = broker.verify(session.openIdToken);
expectThat(session.identityId === guest.identityId, 'guest upgrade kept the IdentityId');
expectThat(
  claims?.amr[0] === 'authenticated' && claims['https://aws.amazon.com/tags'].principal_tags.role?.[0] === 'shopper',
  'token is authenticated and tagged role=shopper',
);

console.log('\n4. Wrong password and unknown user get the same answer');
const wrong = await refusal(devauth.login.execute({ username: 'ada.lovelace', password: 'not the password' }));
const unknown = await refusal(devauth.login.execute({ username: 'charles.babbage', password: 'not the password' }));
console.log(`  wrong password: ${wrong?.code} "${wrong?.message}"`);
console.log(`  unknown user:   ${unknown?.code} "${unknown?.message}"`);
expectThat(wrong?.code === 'INVALID_CREDENTIALS' && wrong.message === unknown?.message, 'indistinguishable');

console.log('\n5. Refresh rotates the token; replaying the old one revokes the session');
const refreshed = await devauth.refresh.execute({ refreshToken: session.refreshToken });
expectThat(refreshed.identityId === session.identityId, 'same identity after refresh');
const replay = await refusal(devauth.refresh.execute({ refreshToken: session.refreshToken }));
console.log(`  replayed token: ${replay?.code}`);
expectThat(replay?.code === 'REFRESH_TOKEN_REUSED', 'reuse detected');

console.log('\n6. Nobody becomes a seller without an invitation');
const refused = await refusal(devauth.register.execute({ username: 'grace', password, role: 'seller' }));
console.log(`  without invitation: ${refused?.code} "${refused?.message}"`);
const invitation = await devauth.createInvitation.execute({ role: 'seller' });
const seller = await devauth.register.execute({
  username: 'grace',
  password,
  role: 'seller',
  invitationCode: invitation.code,
});
expectThat(refused?.code === 'ROLE_NOT_ALLOWED' && seller.role === 'seller', 'seller only by invitation');

console.log(`\nEvents published: ${events.events.map((event) => event.type).join(', ')}`);
if (failures.length > 0) {
  console.error(`\ndemo FAILED: ${failures.length} expectation(s) did not hold`);
  process.exit(1);
}
console.log('\ndemo OK: every expectation held');
