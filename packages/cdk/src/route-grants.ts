import { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { IConstruct } from 'constructs';
import type { IDevauthStore } from './devauth-store.js';
import type { DevauthIdentityPool } from './identity-pool.js';
import type { AuthRoute } from './routes.js';

/**
 * What one route's function may do, beyond writing its own logs:
 * - `store`: `lookup` (GetItem, the identity lookup: what the guard needs), `listing` (a lookup plus paging through
 *   users and invitations: read-only) or `readWrite` (everything the stores do: reads, conditional writes,
 *   transactions, deletes);
 * - `cognito`: the identity-pool calls of its use case;
 * - `sends`: whether it may send a message once `messages` is set (`requireVerifiedEmail`: only with that setting).
 */
export interface RouteGrants {
  readonly store: 'lookup' | 'listing' | 'readWrite';
  readonly cognito?: readonly ('developerTokens' | 'guestIdentities' | 'unlink' | 'deleteIdentities')[];
  readonly sends?: true | 'requireVerifiedEmail';
}

/**
 * Every route's grants, read from its use case in `@devauth/core`. The Cognito calls are the broker's
 * (`@devauth/adapters-cognito`): a new session is GetOpenIdTokenForDeveloperIdentity, a guest GetId, revoking access
 * (RevokeUserAccess: every session revoked, then the login unlinked) UnlinkDeveloperIdentity, and removing an
 * account (removeAccount) UnlinkDeveloperIdentity then DeleteIdentities. Nothing calls LookupDeveloperIdentity, so
 * nothing is granted it.
 */
export const ROUTE_GRANTS: Readonly<Record<AuthRoute, RouteGrants>> = {
  // A verification link to the new address.
  register: { store: 'readWrite', sends: true },
  // A new link only when it refuses an unverified address, which it does only with requireVerifiedEmail.
  login: { store: 'readWrite', cognito: ['developerTokens'], sends: 'requireVerifiedEmail' },
  guest: { store: 'readWrite', cognito: ['guestIdentities'] },
  refresh: { store: 'readWrite', cognito: ['developerTokens'] },
  logout: { store: 'readWrite' },
  me: { store: 'lookup' },
  passwordForgot: { store: 'readWrite', sends: true },
  // Revokes the account's access (unlink), and notifies.
  passwordReset: { store: 'readWrite', cognito: ['unlink'], sends: true },
  // Hands the caller a new session, and notifies.
  changePassword: { store: 'readWrite', cognito: ['developerTokens'], sends: true },
  // removeAccount: unlink, then DeleteIdentities; an `account-deleted` notice.
  deleteAccount: { store: 'readWrite', cognito: ['unlink', 'deleteIdentities'], sends: true },
  listSessions: { store: 'readWrite' },
  revokeSession: { store: 'readWrite' },
  revokeOtherSessions: { store: 'readWrite' },
  signOutEverywhere: { store: 'readWrite' },
  // Tells the old address it was replaced.
  verifyEmail: { store: 'readWrite', sends: true },
  changeEmail: { store: 'readWrite', sends: true },
  resendEmailVerification: { store: 'readWrite', sends: true },
  // Reads only: the caller (authorizeAdmin re-reads it), then one page of the listing index (or, with an `email`
  // filter, the email marker: a GetItem).
  adminListUsers: { store: 'listing' },
  adminGetUser: { store: 'lookup' },
  // ChangeUserAccess writes the user, then RevokeUserAccess revokes its sessions and unlinks its login.
  adminSetRole: { store: 'readWrite', cognito: ['unlink'] },
  adminSetStatus: { store: 'readWrite', cognito: ['unlink'] },
  // removeAccount, as deleteAccount, with its notice to the deleted user's address.
  adminDeleteUser: { store: 'readWrite', cognito: ['unlink', 'deleteIdentities'], sends: true },
  adminRevokeSessions: { store: 'readWrite', cognito: ['unlink'] },
  // An invitation item written (PutItem) or deleted (DeleteItem); nothing of Cognito.
  adminCreateInvitation: { store: 'readWrite' },
  adminListInvitations: { store: 'listing' },
  adminRevokeInvitation: { store: 'readWrite' },
};

export interface RouteGrantContext {
  readonly store: IDevauthStore;
  readonly identityPool: DevauthIdentityPool;
  /** The SES sender, when messages are configured. */
  readonly ses?: { readonly identity: string; readonly configurationSetName?: string };
  readonly requireVerifiedEmail: boolean;
}

/** A function to grant to: grantable, and in a stack (the SES ARNs name its region and account). */
type GrantableFunction = iam.IGrantable & IConstruct;

/** Grants a route's function exactly its ROUTE_GRANTS. */
export function grantRoute(route: AuthRoute, fn: GrantableFunction, context: RouteGrantContext): void {
  const grants = ROUTE_GRANTS[route];
  const { store, identityPool } = context;
  if (grants.store === 'readWrite') store.grantStoreAccess(fn);
  else store.grantUserLookup(fn);
  if (grants.store === 'listing') store.grantListing(fn);
  const cognito = grants.cognito ?? [];
  if (cognito.includes('developerTokens')) identityPool.grantDeveloperTokens(fn);
  if (cognito.includes('guestIdentities')) identityPool.grantGuestIdentities(fn);
  if (cognito.includes('unlink')) identityPool.grantUnlinkDeveloperIdentities(fn);
  if (cognito.includes('deleteIdentities')) identityPool.grantDeleteIdentities(fn);
  const sends = grants.sends === true || (grants.sends === 'requireVerifiedEmail' && context.requireVerifiedEmail);
  if (context.ses && sends) grantSendEmail(fn, context.ses);
}

/**
 * `ses:SendEmail` on the sender identity (required) and the configuration set when one is used: SendEmail's resource
 * types in the Service Authorization Reference for Amazon SES v2
 * (https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonsimpleemailservicev2.html).
 */
function grantSendEmail(fn: GrantableFunction, ses: NonNullable<RouteGrantContext['ses']>): void {
  const { partition, region, account } = Stack.of(fn);
  const arn = (resource: string) => `arn:${partition}:ses:${region}:${account}:${resource}`;
  iam.Grant.addToPrincipal({
    grantee: fn,
    actions: ['ses:SendEmail'],
    resourceArns: [
      arn(`identity/${ses.identity}`),
      ...(ses.configurationSetName ? [arn(`configuration-set/${ses.configurationSetName}`)] : []),
    ],
  });
}
