import { GUEST_ROLE } from '@devauth/core';
import type { AccessTable } from './access-table.js';
import { type ApiTarget, apiArnPrefix, executeApiArn } from './arn.js';
import { type AllowedRoute, type NestedPathGap, nestedDenyResources } from './nested-deny.js';

export interface PolicyStatement {
  Sid?: string;
  Effect: 'Allow' | 'Deny';
  Action?: string | string[];
  NotAction?: string | string[];
  Resource?: string | string[];
  NotResource?: string | string[];
  Principal?: unknown;
  Condition?: Record<string, Record<string, string | string[]>>;
}

export interface PolicyDocument {
  Version: '2012-10-17';
  Statement: PolicyStatement[];
}

/** The principal tag the backend sets (GetOpenIdTokenForDeveloperIdentity `PrincipalTags`) to carry the role. */
export const ROLE_TAG_KEY = 'role';

const COGNITO = 'cognito-identity.amazonaws.com';
/** Shape documented for IdentityPoolId: `<region>:<uuid>`. */
const IDENTITY_POOL_ID = /^[\w-]+:[0-9a-f-]+$/;

export interface IamPolicies {
  unauthenticatedRolePolicy: PolicyDocument;
  authenticatedRolePolicy: PolicyDocument;
  unauthenticatedTrustPolicy: PolicyDocument;
  authenticatedTrustPolicy: PolicyDocument;
  /**
   * Nested paths IAM cannot deny without also denying one of the role's deeper routes (see nested-deny.ts): empty
   * unless a role has, for the same method, a `{param}` route and a deeper route below it.
   */
  nestedPathGaps: readonly NestedPathGap[];
}

/**
 * Size limits, in characters without whitespace ("IAM and AWS STS quotas",
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html): a managed policy holds at most 6,144;
 * a role's inline policies together at most 10,240; a role trust policy 2,048 (raisable to 4,096 on request).
 * Each permissions document is checked against the managed limit: it is the smaller one, so the document can be
 * attached either way (a CDK construct may make it a managed policy or an inline one), and as an inline policy it
 * leaves the rest of the 10,240 to whatever else the role carries. Trust policies are held to the default 2,048.
 */
export const PERMISSIONS_POLICY_SIZE_LIMIT = 6_144;
export const TRUST_POLICY_SIZE_LIMIT = 2_048;

/**
 * IAM policies for the identity pool's two roles, derived from the access table.
 *
 * - Guests get `execute-api:Invoke` on the routes that list `guest`, and nothing else.
 * - Signed-in users share one authenticated role; one statement per distinct set of stored roles, each conditioned
 *   on the `role` principal tag (any of the set). Only the backend sets that tag (it is inside the token Cognito signs), so a caller cannot pick
 *   its own role. A route is granted to a role only if the table lists that role: `guest` routes are not implicitly
 *   open to signed-in users.
 * - Resources are always concrete route ARNs (params as `*`), never `*`. A role with no routes gets no statement;
 *   a policy that would be empty gets an explicit Deny instead, since IAM rejects a policy without statements.
 * - IAM's `*` also matches `/`, so each role whose routes have a `{param}` also gets a Deny of the nested forms
 *   (`.../DELETE/products/*\/*`; see nested-deny.ts). Roles with the same Deny list share one statement. In the
 *   authenticated policy it is conditioned on the same `role` principal tag as the role's Allow, so it never touches
 *   another role (an explicit Deny wins over every Allow, whichever statement granted it); the guest policy belongs
 *   to guests alone and needs no condition (guests carry no tags, so a tag condition would switch the Deny off).
 * - Each document must fit IAM's size limits, or generation fails (see PERMISSIONS_POLICY_SIZE_LIMIT).
 */
export function iamPolicies(table: AccessTable, target: ApiTarget, identityPoolId: string): IamPolicies {
  if (typeof identityPoolId !== 'string' || identityPoolId.length > 55 || !IDENTITY_POOL_ID.test(identityPoolId)) {
    throw new Error(`iamPolicies: invalid identity pool id "${String(identityPoolId)}".`);
  }
  const routesByRole = new Map<string, AllowedRoute[]>();
  for (const route of table.routes) {
    const allowed = {
      label: `${route.method} ${route.path}`,
      method: route.method,
      arn: executeApiArn(target, route.method, route.path),
    };
    for (const role of route.roles) {
      const list = routesByRole.get(role) ?? [];
      if (!list.some((r) => r.arn === allowed.arn)) list.push(allowed);
      routesByRole.set(role, list);
    }
  }
  const prefix = apiArnPrefix(target);
  const gaps: NestedPathGap[] = [];
  const denyByRole = new Map<string, string[]>();
  for (const [role, routes] of routesByRole) {
    const denied = nestedDenyResources(role, routes, (method) => `${prefix}${method}/`);
    gaps.push(...denied.gaps);
    if (denied.resources.length > 0) denyByRole.set(role, denied.resources);
  }

  const invoke = 'execute-api:Invoke';
  const denyAll = (sid: string): PolicyStatement => ({
    Sid: sid,
    Effect: 'Deny',
    Action: invoke,
    Resource: `${prefix}*`,
  });

  const guestRoutes = routesByRole.get(GUEST_ROLE);
  const guestDeny = denyByRole.get(GUEST_ROLE);
  const unauthenticatedRolePolicy: PolicyDocument = {
    Version: '2012-10-17',
    Statement: guestRoutes
      ? [
          { Sid: 'GuestInvoke', Effect: 'Allow', Action: invoke, Resource: guestRoutes.map((r) => r.arn) },
          ...(guestDeny
            ? [{ Sid: 'GuestDenyNested', Effect: 'Deny' as const, Action: invoke, Resource: guestDeny }]
            : []),
        ]
      : [denyAll('NoGuestRoutes')],
  };

  const sids = new Set<string>();
  const roleStatements: PolicyStatement[] = [];
  const roleCondition = (roles: string[]) => ({
    StringEquals: { [`aws:PrincipalTag/${ROLE_TAG_KEY}`]: roles.length === 1 ? roles[0]! : roles },
  });
  // One Allow per distinct set of roles: a route open to every signed-in role (`GET /me`, the account routes) is
  // listed once for all of them rather than once per role, which keeps the document well inside IAM's size limit as
  // roles are added. Values of one condition key are ORed, so the grant per role is unchanged.
  const arnsByRoleSet = new Map<string, { roles: string[]; arns: string[] }>();
  for (const route of table.routes) {
    const roles = [...new Set(route.roles)].filter((role) => role !== GUEST_ROLE).sort();
    if (roles.length === 0) continue;
    const arn = executeApiArn(target, route.method, route.path);
    const key = roles.join('\n');
    const group = arnsByRoleSet.get(key) ?? { roles, arns: [] };
    if (!group.arns.includes(arn)) group.arns.push(arn);
    arnsByRoleSet.set(key, group);
  }
  for (const { roles, arns } of arnsByRoleSet.values()) {
    roleStatements.push({
      Sid: uniqueSid(`Role${roles.map(toSidPart).join('')}Invoke`, sids),
      Effect: 'Allow',
      Action: invoke,
      Resource: arns,
      Condition: roleCondition(roles),
    });
  }
  // One Deny per distinct list: roles with the same nested forms to deny share a statement (values of one
  // condition key are ORed), which keeps the document small.
  const rolesByDeny = new Map<string, { resources: string[]; roles: string[] }>();
  for (const [role, resources] of denyByRole) {
    if (role === GUEST_ROLE) continue;
    const key = resources.join('\n');
    const group = rolesByDeny.get(key) ?? { resources, roles: [] };
    group.roles.push(role);
    rolesByDeny.set(key, group);
  }
  for (const { resources, roles } of rolesByDeny.values()) {
    roleStatements.push({
      Sid: uniqueSid(`DenyNested${roles.map(toSidPart).join('')}`, sids),
      Effect: 'Deny',
      Action: invoke,
      Resource: resources,
      Condition: roleCondition(roles),
    });
  }
  const authenticatedRolePolicy: PolicyDocument = {
    Version: '2012-10-17',
    Statement: roleStatements.length > 0 ? roleStatements : [denyAll('NoRoleRoutes')],
  };

  const policies: IamPolicies = {
    unauthenticatedRolePolicy,
    authenticatedRolePolicy,
    unauthenticatedTrustPolicy: trustPolicy(identityPoolId, 'unauthenticated', ['sts:AssumeRoleWithWebIdentity']),
    // sts:TagSession lets Cognito attach the backend's PrincipalTags (the role) as session tags.
    authenticatedTrustPolicy: trustPolicy(identityPoolId, 'authenticated', [
      'sts:AssumeRoleWithWebIdentity',
      'sts:TagSession',
    ]),
    nestedPathGaps: gaps,
  };
  assertSize('unauthenticatedRolePolicy', policies.unauthenticatedRolePolicy, PERMISSIONS_POLICY_SIZE_LIMIT);
  assertSize('authenticatedRolePolicy', policies.authenticatedRolePolicy, PERMISSIONS_POLICY_SIZE_LIMIT);
  assertSize('unauthenticatedTrustPolicy', policies.unauthenticatedTrustPolicy, TRUST_POLICY_SIZE_LIMIT);
  assertSize('authenticatedTrustPolicy', policies.authenticatedTrustPolicy, TRUST_POLICY_SIZE_LIMIT);
  return policies;
}

/** The size IAM counts: the document without whitespace (ours only has whitespace JSON.stringify leaves out). */
export function policySize(policy: PolicyDocument): number {
  return JSON.stringify(policy).replace(/\s+/g, '').length;
}

/** Fails at generation time rather than at deploy time, where IAM would reject the document (LimitExceeded). */
function assertSize(name: keyof IamPolicies, policy: PolicyDocument, limit: number): void {
  const size = policySize(policy);
  if (size <= limit) return;
  throw new Error(
    `iamPolicies: ${name} is ${size} characters (whitespace not counted), over IAM's limit of ${limit}. ` +
      'Use fewer distinct role sets, or merge literal routes into one route with a path parameter ' +
      '(e.g. /items/{kind} instead of /items/a, /items/b).',
  );
}

/**
 * Trust policy for an identity pool role. `aud` pins it to our pool (otherwise any pool in any account could assume
 * it) and `amr` keeps guests out of the authenticated role and vice versa.
 */
function trustPolicy(poolId: string, amr: 'authenticated' | 'unauthenticated', actions: string[]): PolicyDocument {
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: amr === 'authenticated' ? 'CognitoAuthenticated' : 'CognitoUnauthenticated',
        Effect: 'Allow',
        Principal: { Federated: COGNITO },
        Action: actions.length === 1 ? actions[0]! : actions,
        Condition: {
          StringEquals: { [`${COGNITO}:aud`]: poolId },
          'ForAnyValue:StringLike': { [`${COGNITO}:amr`]: amr },
        },
      },
    ],
  };
}

/** Sids allow only [A-Za-z0-9]; role names may also contain `_` and `-`. */
function toSidPart(role: string): string {
  return role
    .split(/[^A-Za-z0-9]+/)
    .filter((p) => p !== '')
    .map((p) => p[0]!.toUpperCase() + p.slice(1))
    .join('');
}

function uniqueSid(base: string, taken: Set<string>): string {
  let sid = base;
  for (let n = 2; taken.has(sid); n++) sid = `${base}${n}`;
  taken.add(sid);
  return sid;
}
