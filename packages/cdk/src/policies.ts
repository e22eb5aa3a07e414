import {
  type PolicyDocument as AccessPolicyDocument,
  type AccessTable,
  type ApiTarget,
  type IamPolicies,
  iamPolicies,
} from '@devauth/access';
import { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { IConstruct } from 'constructs';
import { assertLiteral, DevauthConstructError, rethrowAs } from './errors.js';

/** What the identity pool roles need to know about the deployed API. */
export interface DevauthApiTarget {
  readonly kind: 'http' | 'rest';
  /** The API id (usually a deploy-time token). */
  readonly apiId: string;
  /** The stage the policies name: `$default` for an HTTP API, the REST stage name otherwise. A literal. */
  readonly stageName: string;
}

/*
 * Why placeholders: iamPolicies() validates its target (12-digit account, region and API id patterns, a
 * `<region>:<guid>` pool id) and copies those strings into ARNs. In a CDK app they are tokens
 * ("${Token[TOKEN.123]}"), which the patterns rightly refuse. Rather than loosening @devauth/access for everyone, the
 * documents are generated against fixed placeholder values and then mapped onto the tokens by structure: every ARN
 * iamPolicies writes starts with apiArnPrefix(target), and the pool id appears only as a whole condition value. The
 * mapping replaces exactly those two things and fails if a placeholder survives anywhere else, so the deployed
 * documents are byte for byte what @devauth/access generates, bound to this API and pool.
 */
const PLACEHOLDER_REGION = 'zz-devauth-1';
const PLACEHOLDER_ACCOUNT = '000000000000';
const PLACEHOLDER_API_ID = 'DevauthPlaceholderApi';
const PLACEHOLDER_POOL_ID = `${PLACEHOLDER_REGION}:00000000-0000-0000-0000-00000000d3a0`;
/** `partitionOf` in @devauth/access maps any region outside cn-/us-gov- to `aws`. */
const PLACEHOLDER_PREFIX = `arn:aws:execute-api:${PLACEHOLDER_REGION}:${PLACEHOLDER_ACCOUNT}:${PLACEHOLDER_API_ID}/`;
const PLACEHOLDER_FRAGMENTS = [PLACEHOLDER_REGION, PLACEHOLDER_API_ID];

/** The policies of @devauth/access with the API's and the pool's tokens in place of the placeholders. */
export type BoundIamPolicies = IamPolicies;

/**
 * `iamPolicies(table, target, identityPoolId)` for a deployed API and pool whose ids are tokens. The result has the
 * same shape; its strings hold tokens that CloudFormation resolves (`Fn::Join` of the API id, region, account and
 * partition).
 */
export function bindIamPolicies(
  scope: IConstruct,
  table: AccessTable,
  api: DevauthApiTarget,
  identityPoolId: string,
): BoundIamPolicies {
  assertLiteral(scope, 'stageName', api.stageName);
  const target: ApiTarget = {
    region: PLACEHOLDER_REGION,
    accountId: PLACEHOLDER_ACCOUNT,
    apiId: PLACEHOLDER_API_ID,
    stage: api.stageName,
    kind: api.kind,
  };
  const generated = rethrowAs(scope, () => iamPolicies(table, target, PLACEHOLDER_POOL_ID));
  const stack = Stack.of(scope);
  const prefix = `arn:${stack.partition}:execute-api:${stack.region}:${stack.account}:${api.apiId}/`;
  const bind = (value: string): string => {
    if (value === PLACEHOLDER_POOL_ID) return identityPoolId;
    const isArn = value.startsWith(PLACEHOLDER_PREFIX);
    const rest = isArn ? value.slice(PLACEHOLDER_PREFIX.length) : value;
    if (PLACEHOLDER_FRAGMENTS.some((fragment) => rest.includes(fragment))) {
      throw new DevauthConstructError(scope.node.path, `could not bind "${value}" to the deployed API and pool.`);
    }
    return isArn ? prefix + rest : value;
  };
  return {
    unauthenticatedRolePolicy: mapStrings(generated.unauthenticatedRolePolicy, bind),
    authenticatedRolePolicy: mapStrings(generated.authenticatedRolePolicy, bind),
    unauthenticatedTrustPolicy: mapStrings(generated.unauthenticatedTrustPolicy, bind),
    authenticatedTrustPolicy: mapStrings(generated.authenticatedTrustPolicy, bind),
    nestedPathGaps: generated.nestedPathGaps,
  };
}

/** Every string of a JSON value (object values and array items; keys are never placeholders) through `map`. */
function mapStrings<T>(value: T, map: (value: string) => string): T {
  if (typeof value === 'string') return map(value) as T;
  if (Array.isArray(value)) return value.map((item) => mapStrings(item, map)) as T;
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, mapStrings(item, map)])) as T;
  }
  return value;
}

/**
 * A CDK policy document holding exactly the statements of `document`. `minimize: false` keeps CDK from merging or
 * reordering statements (the `@aws-cdk/aws-iam:minimizePolicies` feature flag would otherwise apply), so what is
 * deployed is the generated document as is.
 */
export function toCdkPolicyDocument(document: AccessPolicyDocument): iam.PolicyDocument {
  return new iam.PolicyDocument({
    minimize: false,
    statements: document.Statement.map((statement) => iam.PolicyStatement.fromJson(statement)),
  });
}
