import {
  type AccessTable,
  type ApiTarget,
  evaluatePolicy,
  executeApiArn,
  type HttpMethod,
  type IamPolicies,
  iamPolicies,
  type PolicyDocument,
} from '@devauth/access';
import type { IssuedCredentials } from '../identity-pool/credentials.js';
import { type CallerIdentity, GatewayDenial } from './authorize.js';

/**
 * The permissions of the identity pool's two roles, as documents: what a synthesized template attaches to them
 * (several documents per role are merged, as IAM unions a role's policies). A role that is absent, or whose trust
 * policy would not let the pool's identities assume it, grants nothing.
 */
export interface RolePolicies {
  readonly authenticated?: PolicyDocument;
  readonly unauthenticated?: PolicyDocument;
}

/** Where the roles' permissions come from: generated from the access table, or given as documents. */
export type PolicySource = { readonly table: AccessTable } | { readonly documents: RolePolicies };

/**
 * Applies the roles' IAM policies as IAM would, before the handler runs: the access table's generated documents (the
 * same ones the deployment attaches to the identity pool's roles) or the documents of a synthesized template,
 * evaluated by `@devauth/access`'s evaluator.
 */
export class AccessPolicy {
  private readonly policies = new Map<string, IamPolicies>();

  constructor(
    private readonly source: PolicySource,
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

  private policyFor(credentials: IssuedCredentials, target: ApiTarget): PolicyDocument {
    const authenticated = credentials.authenticationType === 'authenticated';
    if ('documents' in this.source) {
      const document = authenticated ? this.source.documents.authenticated : this.source.documents.unauthenticated;
      return document ?? NO_PERMISSIONS;
    }
    const key = `${credentials.identityPoolId}\n${target.kind}`;
    let policies = this.policies.get(key);
    if (!policies) {
      policies = iamPolicies(this.source.table, target, credentials.identityPoolId);
      this.policies.set(key, policies);
    }
    return authenticated ? policies.authenticatedRolePolicy : policies.unauthenticatedRolePolicy;
  }
}

const NO_PERMISSIONS: PolicyDocument = { Version: '2012-10-17', Statement: [] };
