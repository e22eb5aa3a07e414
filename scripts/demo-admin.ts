/**
 * The operator side of `pnpm demo`: the first admin is created as `devauth create-admin` creates it (registration by
 * the operator), signs in like anyone, and works through the admin routes with `@devauth/client`'s typed `admin`
 * methods: approving a seller and disabling an abusive user, whose next refresh is refused.
 */
import { type DevauthClient, DevauthClientError } from '@devauth/client';
import type { Devauth } from '@devauth/core';

export interface AdminDemoContext {
  readonly devauth: Devauth;
  readonly newVisitor: () => DevauthClient;
  readonly signedCall: (
    client: DevauthClient,
    method: string,
    path: string,
    body?: unknown,
  ) => Promise<{ status: number }>;
  readonly expectThat: (condition: boolean, what: string) => void;
  /** A user registered earlier in the demo (the one the admin disables), with its password. */
  readonly abuser: { readonly username: string; readonly password: string };
}

const failureOf = (promise: Promise<unknown>) =>
  promise.then(
    () => new DevauthClientError({ code: 'UNEXPECTED_SUCCESS', message: 'the call succeeded', status: 0 }),
    (error: unknown) => {
      if (error instanceof DevauthClientError) return error;
      throw error;
    },
  );

export async function adminDemo(context: AdminDemoContext): Promise<void> {
  const { devauth, newVisitor, signedCall, expectThat, abuser } = context;
  const password = 'an administrator passphrase nobody guesses';

  console.log('\n10. The operator creates the first admin (what `devauth create-admin` does); she signs in');
  // Self-registration can never ask for admin: only the operator (or another admin's admin invitation) can.
  const refused = await failureOf(newVisitor().register({ username: 'olga', password, role: 'admin' }));
  expectThat(refused.status === 403, 'registering as admin without the operator is refused (403)');
  await devauth.register.execute({ username: 'olga', password, role: 'admin' }, { actor: { isAdministrator: true } });
  const admin = newVisitor();
  const session = await admin.login({ username: 'olga', password });
  expectThat(session.role === 'admin', 'olga logs in with the admin role');

  console.log('\n11. A shopper asks to sell; the admin finds her and approves her as a seller');
  const applicant = newVisitor();
  await applicant.register({ username: 'hedy', password: 'a shopper passphrase nobody guesses' });
  await applicant.login({ username: 'hedy', password: 'a shopper passphrase nobody guesses' });
  const before = await signedCall(applicant, 'POST', '/products', { name: 'lamp' });
  expectThat(before.status === 403, 'as a shopper she may not create products');
  const denied = await failureOf(applicant.admin.listUsers({ usernamePrefix: 'h' }));
  expectThat(denied.status === 403, 'a shopper calling an admin route is refused (403)');
  const page = await admin.admin.listUsers({ usernamePrefix: 'hed' });
  const hedy = page.users.find((user) => user.username === 'hedy');
  expectThat(hedy !== undefined && hedy.role === 'shopper', 'GET /admin/users?usernamePrefix=hed finds hedy');
  const approved = await admin.admin.setRole(hedy!.id, 'seller');
  expectThat(approved.role === 'seller', 'PUT /admin/users/{id}/role made her a seller');
  // Her credentials carry the old role tag: the change revoked her sessions, so she signs in again as a seller.
  const stale = await failureOf(applicant.refresh());
  expectThat(stale.status === 401, 'her old session is refused on refresh (the role change revoked it)');
  const again = await applicant.login({ username: 'hedy', password: 'a shopper passphrase nobody guesses' });
  expectThat(again.role === 'seller', 'she logs in again, as a seller');
  const after = await signedCall(applicant, 'POST', '/products', { name: 'lamp' });
  expectThat(after.status === 201, 'and may now create products');

  console.log(`\n12. The admin disables ${abuser.username}, who was abusing the shop`);
  const abusive = newVisitor();
  await abusive.login({ username: abuser.username, password: abuser.password });
  const found = (await admin.admin.listUsers({ usernamePrefix: abuser.username })).users[0];
  expectThat(found?.username === abuser.username, `the admin finds ${abuser.username}`);
  const disabled = await admin.admin.disableUser(found!.id);
  expectThat(disabled.status === 'disabled', 'PUT /admin/users/{id}/status disabled the account');
  const next = await failureOf(abusive.refresh());
  expectThat(next.status === 401, `${abuser.username}'s next refresh is refused`);
  const relogin = await failureOf(newVisitor().login({ username: abuser.username, password: abuser.password }));
  expectThat(relogin.status === 401, 'and a new login too');
  const self = await failureOf(admin.admin.disableUser(session.user!.id));
  expectThat(self.status === 409 && self.code === 'ADMIN_SELF_CHANGE', 'an admin cannot disable her own account (409)');
}
