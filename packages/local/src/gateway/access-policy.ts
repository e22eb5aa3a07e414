import {
  type AccessTable,
  type ApiTarget,
  evaluatePolicy,
  executeApiArn,
  type HttpMethod,
  type IamPolicies,
  iamPolicies,
} from '@devauth/access';
import type { IssuedCredentials } from '../identity-pool/credentials.js';
import { type CallerIdentity, GatewayDenial } from './authorize.js';

/**
 * Applies the access table's generated IAM policies as IAM would, before the handler runs: the same documents the
 * deployment attaches to the identity pool's roles, evaluated by `@devauth/access`'s evaluator.
 */
export class AccessPolicy {
  private readonly policies = new Map<string, IamPolicies>();

  constructor(
    private readonly table: AccessTable,
    private readonly identityPoolId: string | undefined,
  ) {}

  /** Throws the IAM deny message unless the caller's role policy allows `execute-api:Invoke` on the route. */
  check(caller: CallerIdentity, target: ApiTarget, method: string, path: string): void {
    const resource = this.resourceArn(target, method, path);
    const poolId = caller.credentials.identityPoolId;
    // The roles' trust policies only admit the configured pool: credentials of another pool get no permissions.
    const allowed =
      (this.identityPoolId === undefined || this.identityPoolId === poolId) &&
      evaluatePolicy(this.policyFor(caller.credentials, target), {
        action: 'execute-api:Invoke',
        resource,
        principalTags:
          caller.credentials.authenticationType === 'authenticated' ? caller.credentials.principalTags : {},
      });
    if (!allowed) {
      throw new GatewayDenial(
        403,
        'AccessDeniedException',
        `User: ${caller.userArn} is not authorized to perform: execute-api:Invoke on resource: ${resource}`,
      );
    }
  }

  private resourceArn(target: ApiTarget, method: string, path: string): string {
    try {
      return executeApiArn(target, method as HttpMethod, path);
    } catch {
      // Methods or path characters the table cannot express: IAM still sees the request's own ARN, which then
      // matches no generated statement.
      return `arn:aws:execute-api:${target.region}:${target.accountId}:${target.apiId}/${target.stage}/${method}/${path.replace(/^\//, '')}`;
    }
  }

  private policyFor(credentials: IssuedCredentials, target: ApiTarget) {
    const key = `${credentials.identityPoolId}\n${target.kind}`;
    let policies = this.policies.get(key);
    if (!policies) {
      policies = iamPolicies(this.table, target, credentials.identityPoolId);
      this.policies.set(key, policies);
    }
    return credentials.authenticationType === 'authenticated'
      ? policies.authenticatedRolePolicy
      : policies.unauthenticatedRolePolicy;
  }
}
