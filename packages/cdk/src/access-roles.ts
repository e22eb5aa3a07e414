import type { AccessTable, NestedPathGap, PolicyDocument } from '@devauth/access';
import { Annotations } from 'aws-cdk-lib';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { DevauthConstructError } from './errors.js';
import type { DevauthIdentityPool } from './identity-pool.js';
import { type BoundIamPolicies, bindIamPolicies, type DevauthApiTarget, toCdkPolicyDocument } from './policies.js';
import { AUTH_ROUTE_PATHS, AUTH_ROUTES } from './routes.js';

const COGNITO = 'cognito-identity.amazonaws.com';

export interface DevauthAccessRolesProps {
  readonly identityPool: DevauthIdentityPool;
  /** The deployment's table (app routes and `GET /me`): the roles may invoke exactly these routes. */
  readonly accessTable: AccessTable;
  /** The API the routes are on. */
  readonly api: DevauthApiTarget;
}

/**
 * The identity pool's two IAM roles and their attachment to the pool. Both the permissions and the trust policies are
 * the documents `iamPolicies` of @devauth/access generates for this table, API and pool, unchanged:
 * - authenticated: one Allow per stored role, conditioned on the `role` principal tag (plus nested-path Denies), so
 *   the `admin` role's statement is the only one naming the admin routes;
 *   trusted by `cognito-identity.amazonaws.com` for `sts:AssumeRoleWithWebIdentity` and `sts:TagSession` (the tag
 *   travels as a session tag), with `aud` = this pool and `amr` = authenticated;
 * - unauthenticated (only when the pool allows guests): the guest routes; `aud` = this pool, `amr` = unauthenticated.
 */
export class DevauthAccessRoles extends Construct {
  readonly authenticatedRole: iam.Role;
  /** Absent when the pool allows no guests. */
  readonly unauthenticatedRole: iam.Role | undefined;
  /** Escape hatch: the L1 role attachment. */
  readonly roleAttachment: cognito.CfnIdentityPoolRoleAttachment;
  /** The generated documents, bound to the API and pool (strings may hold tokens). */
  readonly policies: BoundIamPolicies;
  /** Nested paths IAM cannot deny for some role (see @devauth/access); the in-Lambda guard still refuses them. */
  readonly nestedPathGaps: readonly NestedPathGap[];

  constructor(scope: Construct, id: string, props: DevauthAccessRolesProps) {
    super(scope, id);
    const { identityPool } = props;
    if (!identityPool.allowGuests && props.accessTable.routes.some((route) => route.roles.includes('guest'))) {
      throw new DevauthConstructError(this.node.path, 'the table has guest routes, but the pool allows no guests.');
    }
    this.policies = bindIamPolicies(this, props.accessTable, props.api, identityPool.identityPoolId);
    this.nestedPathGaps = this.policies.nestedPathGaps;
    for (const gap of this.nestedPathGaps.filter((gap) => !isOwnGap(gap))) {
      Annotations.of(this).addWarningV2(
        '@devauth/cdk:nestedPathGap',
        `IAM cannot deny nested paths of ${JSON.stringify(gap)} for its role; the in-Lambda guard refuses them.`,
      );
    }
    this.authenticatedRole = new iam.Role(this, 'AuthenticatedRole', {
      description: 'devauth: signed-in users (permissions per role principal tag, from the access table)',
      assumedBy: new AccessTrustPrincipal(this.policies.authenticatedTrustPolicy),
      inlinePolicies: { DevauthAccess: toCdkPolicyDocument(this.policies.authenticatedRolePolicy) },
    });
    this.unauthenticatedRole = identityPool.allowGuests
      ? new iam.Role(this, 'UnauthenticatedRole', {
          description: 'devauth: guests (the guest routes of the access table)',
          assumedBy: new AccessTrustPrincipal(this.policies.unauthenticatedTrustPolicy),
          inlinePolicies: { DevauthAccess: toCdkPolicyDocument(this.policies.unauthenticatedRolePolicy) },
        })
      : undefined;
    this.roleAttachment = new cognito.CfnIdentityPoolRoleAttachment(this, 'Attachment', {
      identityPoolId: identityPool.identityPoolId,
      roles: {
        authenticated: this.authenticatedRole.roleArn,
        ...(this.unauthenticatedRole ? { unauthenticated: this.unauthenticatedRole.roleArn } : {}),
      },
    });
  }
}

/**
 * A federated principal whose trust statements are a given document's, verbatim (Sid, both actions, conditions).
 * `iam.Role` asks an `IAssumeRolePrincipal` to write its own statements, which is what lets the role carry the
 * generated trust policy instead of CDK's default one-action statement.
 */
class AccessTrustPrincipal extends iam.FederatedPrincipal {
  constructor(private readonly trust: PolicyDocument) {
    super(COGNITO, {}, 'sts:AssumeRoleWithWebIdentity');
  }

  override addToAssumeRolePolicy(document: iam.PolicyDocument): void {
    document.addStatements(...this.trust.Statement.map((statement) => iam.PolicyStatement.fromJson(statement)));
  }
}

/** `METHOD /path` of each of devauth's own routes, as gaps name them. */
const OWN_ROUTES = new Set(
  AUTH_ROUTES.map((route) => `${AUTH_ROUTE_PATHS[route].method} ${AUTH_ROUTE_PATHS[route].path}`),
);

/**
 * Whether a gap lies among devauth's own routes only. The admin routes have one (an admin's
 * `DELETE /admin/users/{userId}` ARN also matches `DELETE /admin/users/a/b`, which IAM cannot deny without denying
 * `DELETE /admin/users/{userId}/sessions`), and every deployment with the `admin` role has it. It is reported in
 * `nestedPathGaps` like any other, but not warned about: API Gateway routes those paths to no function (no app route
 * may be under `/admin`, and none may be greedy), so the gap reaches no handler, and a warning on every synth would
 * only teach people to ignore the ones about their own routes (and fail `cdk synth --strict`).
 */
function isOwnGap(gap: NestedPathGap): boolean {
  return OWN_ROUTES.has(gap.route) && gap.deeperRoutes.every((route) => OWN_ROUTES.has(route));
}
