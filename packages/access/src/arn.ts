import { type HttpMethod, isHttpMethod, templateSegments } from './access-table.js';

/** Where an API is deployed. `kind` is REST API (v1) or HTTP API (v2). */
export interface ApiTarget {
  readonly region: string;
  readonly accountId: string;
  readonly apiId: string;
  readonly stage: string;
  readonly kind: 'rest' | 'http';
}

const REGION = /^[a-z]{2}(-[a-z]+)+-\d+$/;
const ACCOUNT_ID = /^\d{12}$/;
const API_ID = /^[A-Za-z0-9]+$/;
/** HTTP APIs commonly use the `$default` stage. */
const STAGE = /^(\$default|[A-Za-z0-9_-]+)$/;

function partitionOf(region: string): string {
  if (region.startsWith('cn-')) return 'aws-cn';
  if (region.startsWith('us-gov-')) return 'aws-us-gov';
  return 'aws';
}

export function assertApiTarget(target: ApiTarget): void {
  if (!REGION.test(target.region)) throw new Error(`ApiTarget: invalid region "${target.region}".`);
  if (!ACCOUNT_ID.test(target.accountId)) throw new Error(`ApiTarget: accountId must be 12 digits.`);
  if (!API_ID.test(target.apiId)) throw new Error(`ApiTarget: invalid apiId "${target.apiId}".`);
  if (!STAGE.test(target.stage)) throw new Error(`ApiTarget: invalid stage "${target.stage}".`);
  if (target.kind !== 'rest' && target.kind !== 'http') throw new Error('ApiTarget: kind must be "rest" or "http".');
}

/** `arn:<partition>:execute-api:<region>:<account>:<apiId>/<stage>/`: everything before METHOD/path. */
export function apiArnPrefix(target: ApiTarget): string {
  assertApiTarget(target);
  return `arn:${partitionOf(target.region)}:execute-api:${target.region}:${target.accountId}:${target.apiId}/${target.stage}/`;
}

/**
 * The `execute-api:Invoke` resource for one route. Both API kinds use the same form:
 * - REST API (v1): `arn:aws:execute-api:{region}:{account}:{apiId}/{stage}/{METHOD}/{resource path}`
 * - HTTP API (v2): `arn:aws:execute-api:{region}:{account}:{apiId}/{stage}/{METHOD}/{route path}`
 *   (the stage is often `$default`).
 * The leading slash is dropped (the root route ends in `/`) and each `{param}` becomes `*`. Note that IAM's `*`
 * also matches `/`, so `products/*` covers deeper paths too: `iamPolicies` adds a Deny of those nested forms
 * (nested-deny.ts), and the in-Lambda guard re-checks the exact route. The partition follows the region (aws-cn,
 * aws-us-gov).
 */
export function executeApiArn(target: ApiTarget, method: HttpMethod, path: string): string {
  if (!isHttpMethod(method)) throw new Error(`executeApiArn: unknown method "${String(method)}".`);
  const resource = templateSegments(path)
    .map((s) => (s.kind === 'literal' ? s.value : '*'))
    .join('/');
  return `${apiArnPrefix(target)}${method}/${resource}`;
}
