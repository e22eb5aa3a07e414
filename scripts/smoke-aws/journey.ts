/**
 * The journey of `pnpm smoke:aws` through `@devauth/client` (guest, register, log in, AWS credentials, an allowed and
 * a denied SigV4 call, refresh, log out), stopping at the first failed check, then its cleanup: logout, deleting the
 * Cognito identities the run created, and naming what is left behind. Resolves to the exit code.
 */
import { randomBytes } from 'node:crypto';
import { CognitoIdentityClient, DeleteIdentitiesCommand } from '@aws-sdk/client-cognito-identity';
import { createDevauthClient, DevauthClientError } from '@devauth/client';
import type { CredentialProvider, SmokeInputs } from './inputs.js';
import { CheckFailed, describeError, Narrator } from './narrator.js';

function expect(condition: boolean, what: string): void {
  if (!condition) throw new CheckFailed(what);
}

interface Created {
  readonly identityIds: Set<string>;
  user?: { readonly id: string; readonly username: string };
  signedIn: boolean;
}

function leftovers(say: Narrator, inputs: SmokeInputs, created: Created, identitiesDeleted: boolean): void {
  say.line('Not cleaned up (devauth has no delete-user route):');
  if (created.user) {
    say.line(`  - the throwaway user "${created.user.username}" (user id ${created.user.id}) stays in the user store,`);
    say.line(
      '    with its throttle counters and refresh-token records (those expire on their own: TTL / expiry dates).',
    );
    say.line('    To remove it, from trusted server code with the same stores:');
    say.line(`      await devauth.revokeAccess.execute('${created.user.id}', 'deleted'); // sessions + Cognito link`);
    say.line(`      await stores.users.delete('${created.user.id}');`);
    say.line(`    or only disable it: await devauth.userAccess.setStatus('${created.user.id}', 'disabled');`);
  } else {
    say.line('  - no user was registered.');
  }
  if (!identitiesDeleted && created.identityIds.size > 0) {
    const ids = [...created.identityIds].join(' ');
    say.line(`  - Cognito identities: aws cognito-identity delete-identities --region ${inputs.region} \\`);
    say.line(`      --identity-ids-to-delete ${ids}`);
  }
  say.line('  - AWS credentials and OpenID tokens already issued cannot be revoked: they expire on their own.');
}

async function deleteIdentities(
  say: Narrator,
  inputs: SmokeInputs,
  credentials: CredentialProvider,
  identityIds: readonly string[],
): Promise<boolean> {
  const cognito = new CognitoIdentityClient({
    region: inputs.region,
    credentials,
    maxAttempts: 3,
    requestHandler: { connectionTimeout: 5_000, requestTimeout: 10_000, throwOnRequestTimeout: true },
    ...(inputs.cognitoEndpoint ? { endpoint: inputs.cognitoEndpoint } : {}),
  });
  try {
    const { UnprocessedIdentityIds: unprocessed = [] } = await cognito.send(
      new DeleteIdentitiesCommand({ IdentityIdsToDelete: [...identityIds] }),
    );
    const left = unprocessed.filter(
      (entry) => entry.IdentityId !== undefined && identityIds.includes(entry.IdentityId),
    );
    if (left.length > 0) {
      say.fail(`DeleteIdentities left ${left.map((entry) => `${entry.IdentityId} (${entry.ErrorCode})`).join(', ')}`);
      return false;
    }
    say.ok(`deleted the Cognito identit${identityIds.length === 1 ? 'y' : 'ies'} ${identityIds.join(', ')}`);
    return true;
  } catch (error) {
    say.fail(`DeleteIdentities failed: ${describeError(error)} (needs cognito-identity:DeleteIdentities on the pool)`);
    return false;
  } finally {
    cognito.destroy();
  }
}

/** The journey and its cleanup; resolves to the exit code. */
export async function runSmoke(inputs: SmokeInputs, aws: { provider: CredentialProvider; source: string } | undefined) {
  const say = new Narrator();
  const created: Created = { identityIds: new Set(), signedIn: false };
  let identitiesDeleted = false;
  const watchdog = setTimeout(() => {
    say.fail(`timed out after ${inputs.timeoutSeconds} s`);
    leftovers(say, inputs, created, false);
    process.exit(1);
  }, inputs.timeoutSeconds * 1000);
  watchdog.unref();

  say.line(`devauth smoke:aws against ${inputs.apiUrl}`);
  say.line(`  identity pool ${inputs.identityPoolId}, region ${inputs.region}`);
  if (inputs.cognitoEndpoint) say.line(`  Cognito Identity endpoint ${inputs.cognitoEndpoint} (testing override)`);
  say.line(aws ? `  cleanup credentials: ${aws.source}` : '  cleanup: --keep-identities (Cognito identities are kept)');
  say.line();

  const requestTimeoutMs = Math.min(30_000, inputs.timeoutSeconds * 1000);
  const client = createDevauthClient({
    baseUrl: inputs.apiUrl,
    region: inputs.region,
    fetch: (url, init) => globalThis.fetch(url, { ...init, signal: AbortSignal.timeout(requestTimeoutMs) }),
    cognito: {
      ...(inputs.cognitoEndpoint ? { endpoint: inputs.cognitoEndpoint } : {}),
      requestHandler: { connectionTimeout: 5_000, requestTimeout: 10_000, throwOnRequestTimeout: true },
    },
  });

  let step = 'start';
  try {
    step = '1. guest identity (POST /auth/guest)';
    say.line(step);
    const guest = await client.guest();
    say.keep(guest.guestLinkSecret);
    created.identityIds.add(guest.identityId);
    expect(guest.identityId.startsWith(`${inputs.region}:`), `the guest IdentityId is not in ${inputs.region}`);
    say.ok(`guest IdentityId ${guest.identityId}`);

    step = '2. register a throwaway user (POST /auth/register)';
    say.line(step);
    const username = `smoke-${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`;
    const password = randomBytes(24).toString('base64url');
    say.keep(password);
    const { user } = await client.register({ username, password });
    created.user = { id: user.id, username: user.username };
    say.ok(`registered "${user.username}" (user id ${user.id}, role ${user.role})`);

    step = '3. log in, keeping the guest IdentityId (POST /auth/login)';
    say.line(step);
    const tokens = await client.login({ username, password });
    say.keep(tokens.openIdToken, tokens.refreshToken);
    created.signedIn = true;
    created.identityIds.add(tokens.identityId);
    expect(
      tokens.identityId === guest.identityId,
      `logged in on IdentityId ${tokens.identityId}, not the guest's ${guest.identityId} (the guest was not upgraded)`,
    );
    say.ok(`signed in as ${tokens.role} on the guest's IdentityId; OpenID token until ${tokens.openIdTokenExpiresAt}`);

    step = '4. AWS credentials (Cognito GetCredentialsForIdentity)';
    say.line(step);
    const credentials = await client.credentials();
    say.keep(credentials.accessKeyId, credentials.secretAccessKey, credentials.sessionToken);
    expect(Boolean(credentials.accessKeyId && credentials.secretAccessKey), 'Cognito returned no credentials');
    const minutes = credentials.expiration
      ? `, valid for ${Math.round((credentials.expiration.getTime() - Date.now()) / 60_000)} min`
      : '';
    say.ok(`temporary credentials${minutes}`);

    step = '5. an allowed SigV4 call (GET /me)';
    say.line(step);
    const me = await client.me();
    expect(me.kind === 'user', `GET /me says the caller is a ${me.kind}, not the user`);
    expect(me.user?.id === user.id, 'GET /me names another user');
    expect(me.identityId === tokens.identityId, 'GET /me reports another IdentityId');
    say.ok(`200: the gateway and devauth see user "${me.user?.username}" with role ${me.role}`);

    step = `6. a denied SigV4 call (${inputs.deniedMethod} ${inputs.deniedPath})`;
    say.line(step);
    const hasBody = inputs.deniedMethod !== 'GET' && inputs.deniedMethod !== 'DELETE';
    const denied = await client.signedFetch(`${inputs.apiUrl}${inputs.deniedPath}`, {
      method: inputs.deniedMethod,
      ...(hasBody ? { headers: { 'content-type': 'application/json' }, body: '{}' } : {}),
    });
    await denied.text().catch(() => '');
    expect(
      denied.status === 403,
      `${inputs.deniedMethod} ${inputs.deniedPath} answered ${denied.status}, expected 403 (IAM refusing the role)`,
    );
    say.ok('403: IAM refuses this route to the role');

    step = '7. refresh (POST /auth/refresh)';
    say.line(step);
    const refreshed = await client.refresh();
    say.keep(refreshed.openIdToken, refreshed.refreshToken);
    expect(refreshed.identityId === tokens.identityId, 'the refresh answered another IdentityId');
    expect(refreshed.refreshToken !== tokens.refreshToken, 'the refresh token did not rotate');
    // Not compared with the first token: two tokens minted within the same second may be identical.
    expect(
      Date.parse(refreshed.openIdTokenExpiresAt) >= Date.parse(tokens.openIdTokenExpiresAt),
      'the refreshed OpenID token expires before the first one',
    );
    say.ok(`an OpenID token until ${refreshed.openIdTokenExpiresAt}, and a rotated refresh token`);

    step = '8. log out (POST /auth/logout)';
    say.line(step);
    const session = await client.getSession();
    const lastRefreshToken = session?.kind === 'user' ? session.refreshToken : undefined;
    expect(lastRefreshToken !== undefined, 'the client holds no session before logout');
    await client.logout();
    created.signedIn = false;
    const reuse = await client.refresh(lastRefreshToken).then(
      () => undefined,
      (error: unknown) => error,
    );
    if (reuse === undefined) created.signedIn = true; // the refresh started a session again: log it out in cleanup
    expect(reuse !== undefined, 'the refresh token still works after logout: the session was not revoked');
    expect(
      reuse instanceof DevauthClientError && reuse.status === 401,
      `refreshing after logout failed unexpectedly: ${describeError(reuse)}`,
    );
    say.ok('the session is revoked: its refresh token is refused (401)');
  } catch (error) {
    say.fail(`${step}: ${describeError(error)}`);
  } finally {
    say.line();
    say.line('Cleanup');
    if (created.signedIn) {
      await client.logout().then(
        () => say.ok('logged out: the session is revoked'),
        (error: unknown) => say.fail(`logout failed: ${describeError(error)}`),
      );
    }
    if (created.identityIds.size === 0) {
      say.ok('no Cognito identity was created');
    } else if (aws) {
      identitiesDeleted = await deleteIdentities(say, inputs, aws.provider, [...created.identityIds]);
    } else {
      say.line('  - Cognito identities kept (--keep-identities)');
    }
    leftovers(say, inputs, created, identitiesDeleted);
    clearTimeout(watchdog);
  }
  say.line();
  if (say.failures > 0) {
    say.line(`smoke:aws FAILED: ${say.failures} check${say.failures === 1 ? '' : 's'} did not hold`);
    return 1;
  }
  say.line('smoke:aws OK: every check held');
  return 0;
}
