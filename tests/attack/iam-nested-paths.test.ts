/**
 * Deeper paths through IAM's `*`. The table's `DELETE /products/{id}` (seller) becomes the resource
 * `.../DELETE/products/*`, and in IAM a `*` matches any run of characters, `/` included (IAM JSON policy elements:
 * Resource, https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_resource.html). Without
 * more, a seller's credentials pass IAM for `DELETE /products/a/b`, which the table never granted, and reach whatever
 * API Gateway routes there: a greedy `{proxy+}` integration, another team's Lambda, anything without devauth's guard.
 *
 * The attack is run twice: on the generated policy through both IAM evaluators (ours and iam-simulate), and end to
 * end at the local gateway (which enforces the generated policy) with a real seller's signed requests against a
 * greedy integration that the table does not list.
 */
import './support/log-capture.js';
import { type ApiTarget, EXAMPLE_ACCESS_TABLE, evaluatePolicy, iamPolicies } from '@devauth/lambda-handlers/access';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type Credentials,
  request as gatewayRequest,
  type Stack,
  send,
  sign,
  startStack,
  userCredentials,
} from '../../packages/local/tests/gateway/helpers.js';
import { simulateInvoke } from '../support/iam-simulate.js';
import { rememberedSecretCount, rememberSecrets } from './support/log-capture.js';

const POOL_ID = 'eu-west-1:11111111-2222-3333-4444-555555555555';
const TARGETS: ReadonlyArray<[string, ApiTarget]> = [
  ['REST API', { region: 'eu-west-1', accountId: '123456789012', apiId: 'a1b2c3d4e5', stage: 'prod', kind: 'rest' }],
  [
    'HTTP API',
    { region: 'eu-west-1', accountId: '123456789012', apiId: 'b2c3d4e5f6', stage: '$default', kind: 'http' },
  ],
];
/** Paths below `/products/{id}`: the id itself spanning a `/`, a sub-resource, and more levels. */
const NESTED = ['/products/a/b', '/products/teapot/reviews', '/products/a/b/c'];

describe.each(TARGETS)('generated %s policy: {param} wildcards do not reach deeper paths', (_kind, target) => {
  const { authenticatedRolePolicy } = iamPolicies(EXAMPLE_ACCESS_TABLE, target, POOL_ID);
  const seller = { role: 'seller' };
  const resourceOf = (method: string, path: string) =>
    `arn:aws:execute-api:${target.region}:${target.accountId}:${target.apiId}/${target.stage}/${method}${path}`;
  const decide = async (method: string, path: string) => {
    const resource = resourceOf(method, path);
    return {
      ours: evaluatePolicy(authenticatedRolePolicy, { action: 'execute-api:Invoke', resource, principalTags: seller }),
      iamSimulate: await simulateInvoke(authenticatedRolePolicy, resource, seller),
    };
  };

  it('still lets a seller delete one product (the route the table lists)', async () => {
    expect(await decide('DELETE', '/products/teapot')).toEqual({ ours: true, iamSimulate: 'Allowed' });
  });

  it.each(NESTED)("denies a seller's DELETE %s explicitly, in both evaluators", async (path) => {
    expect(await decide('DELETE', path)).toEqual({ ours: false, iamSimulate: 'ExplicitlyDenied' });
  });
});

describe('local gateway: a greedy proxy integration the table does not list', () => {
  let stack: Stack;
  let seller: Credentials;
  const reached: string[] = [];
  const integration = (name: string) => async () => {
    reached.push(name);
    return { statusCode: 200, body: JSON.stringify({ reached: name }) };
  };

  beforeAll(async () => {
    // The gateway enforces EXAMPLE_ACCESS_TABLE's generated policies; neither integration runs devauth's guard, as
    // an integration owned by someone else would not.
    stack = await startStack({
      routes: [
        { method: 'DELETE', path: '/products/{id}', payload: 'v2', auth: 'AWS_IAM', handler: integration('product') },
        { method: 'DELETE', path: '/products/{proxy+}', payload: 'v2', auth: 'AWS_IAM', handler: integration('proxy') },
      ],
    });
    seller = await userCredentials(stack, 'user-seller-nested', 'seller');
    rememberSecrets(seller.secretAccessKey, seller.sessionToken);
  });

  afterAll(async () => {
    await stack?.stop();
  });

  const deleteAs = async (credentials: Credentials, path: string) =>
    send(stack.gateway, await sign(credentials, gatewayRequest(stack.gateway, 'DELETE', path)));

  it("passes the seller's DELETE of one product to its integration (control)", async () => {
    const before = reached.length;
    expect((await deleteAs(seller, '/products/teapot')).status).toBe(200);
    expect(reached.slice(before)).toEqual(['product']);
  });

  it.each(NESTED)("refuses the seller's DELETE %s at IAM, before the proxy integration runs", async (path) => {
    const before = reached.length;
    const response = await deleteAs(seller, path);
    expect({ status: response.status, reached: reached.slice(before) }).toEqual({ status: 403, reached: [] });
    expect((response.json as { message: string }).message).toMatch(/is not authorized to perform: execute-api:Invoke/);
  });

  // Runs last (tests run in file order): log-capture's leak search is only as good as the secrets it was given.
  it("remembered the seller's credentials for the leak search", () => {
    expect(rememberedSecretCount()).toBeGreaterThan(0);
  });
});
