import { GUEST_ROLE } from '@devauth/core';
import type { AccessTable } from './access-table.js';
import { type ApiTarget, apiArnPrefix, executeApiArn } from './arn.js';

export interface PolicyStatement {
  Sid?: string;
  Effect: 'Allow' | 'Deny';
  Action: string | string[];
  Resource?: string | string[];
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
}

/**
 * IAM policies for the identity pool's two roles, derived from the access table.
 *
 * - Guests get `execute-api:Invoke` on the routes that list `guest`, and nothing else.
 * - Signed-in users share one authenticated role; one statement per stored role, each conditioned on the `role`
 *   principal tag. Only the backend sets that tag (it is inside the token Cognito signs), so a caller cannot pick
 *   its own role. A route is granted to a role only if the table lists that role: `guest` routes are not implicitly
 *   open to signed-in users.
 * - Resources are always concrete route ARNs (params as `*`), never `*`. A role with no routes gets no statement;
 *   a policy that would be empty gets an explicit Deny instead, since IAM rejects a policy without statements.
 */
export function iamPolicies(table: AccessTable, target: ApiTarget, identityPoolId: string): IamPolicies {
  if (typeof identityPoolId !== 'string' || identityPoolId.length > 55 || !IDENTITY_POOL_ID.test(identityPoolId)) {
    throw new Error(`iamPolicies: invalid identity pool id "${String(identityPoolId)}".`);
  }
  const resourcesByRole = new Map<string, string[]>();
  for (const route of table.routes) {
    const arn = executeApiArn(target, route.method, route.path);
    for (const role of route.roles) {
      const list = resourcesByRole.get(role) ?? [];
      if (!list.includes(arn)) list.push(arn);
      resourcesByRole.set(role, list);
    }
  }

  const denyAll = (sid: string): PolicyStatement => ({
    Sid: sid,
    Effect: 'Deny',
    Action: 'execute-api:Invoke',
    Resource: `${apiArnPrefix(target)}*`,
  });

  const guestResources = resourcesByRole.get(GUEST_ROLE);
  const unauthenticatedRolePolicy: PolicyDocument = {
    Version: '2012-10-17',
    Statement: guestResources
      ? [{ Sid: 'GuestInvoke', Effect: 'Allow', Action: 'execute-api:Invoke', Resource: guestResources }]
      : [denyAll('NoGuestRoutes')],
  };

  const sids = new Set<string>();
  const roleStatements: PolicyStatement[] = [];
  for (const [role, resources] of resourcesByRole) {
    if (role === GUEST_ROLE) continue;
    roleStatements.push({
      Sid: uniqueSid(`Role${toSidPart(role)}Invoke`, sids),
      Effect: 'Allow',
      Action: 'execute-api:Invoke',
      Resource: resources,
      Condition: { StringEquals: { [`aws:PrincipalTag/${ROLE_TAG_KEY}`]: role } },
    });
  }
  const authenticatedRolePolicy: PolicyDocument = {
    Version: '2012-10-17',
    Statement: roleStatements.length > 0 ? roleStatements : [denyAll('NoRoleRoutes')],
  };

  return {
    unauthenticatedRolePolicy,
    authenticatedRolePolicy,
    unauthenticatedTrustPolicy: trustPolicy(identityPoolId, 'unauthenticated', ['sts:AssumeRoleWithWebIdentity']),
    // sts:TagSession lets Cognito attach the backend's PrincipalTags (the role) as session tags.
    authenticatedTrustPolicy: trustPolicy(identityPoolId, 'authenticated', [
      'sts:AssumeRoleWithWebIdentity',
      'sts:TagSession',
    ]),
  };
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
