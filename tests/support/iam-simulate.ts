/**
 * A second opinion on the generated policies: @cloud-copilot/iam-simulate, an IAM evaluator written independently of
 * ours (`evaluatePolicy`). Tests run the same requests through both and require the same answers, so a blind spot in
 * our evaluator cannot hide a wrong policy.
 */

import { runSimulation } from '@cloud-copilot/iam-simulate';
import type { PolicyDocument } from '@devauth/lambda-handlers/access';

export type SimulatedDecision = 'Allowed' | 'ExplicitlyDenied' | 'ImplicitlyDenied';

/**
 * Evaluates `execute-api:Invoke` on a concrete request ARN under one identity policy, as the identity pool's role
 * session (`assumed-role/<role>/CognitoIdentityCredentials`, the session name Cognito uses) in the API's own account,
 * so no resource policy is involved: execute-api without a resource policy decides on the identity policy alone.
 * Principal tags are passed as the `aws:PrincipalTag/<key>` context keys IAM would derive from the session tags.
 */
export async function simulateInvoke(
  policy: PolicyDocument,
  resource: string,
  principalTags: Readonly<Record<string, string>> = {},
): Promise<SimulatedDecision> {
  const accountId = /^arn:[\w-]+:execute-api:[\w-]+:(\d{12}):/.exec(resource)?.[1];
  if (accountId === undefined) throw new Error(`simulateInvoke: not an execute-api ARN: ${resource}`);
  const role = Object.keys(principalTags).length > 0 ? 'devauth-authenticated' : 'devauth-unauthenticated';
  const contextVariables = Object.fromEntries(
    Object.entries(principalTags).map(([key, value]) => [`aws:PrincipalTag/${key}`, value]),
  );
  const response = await runSimulation(
    {
      request: {
        principal: `arn:aws:sts::${accountId}:assumed-role/${role}/CognitoIdentityCredentials`,
        action: 'execute-api:Invoke',
        resource: { resource, accountId },
        contextVariables,
      },
      identityPolicies: [{ name: 'generated', policy }],
      serviceControlPolicies: [],
      resourceControlPolicies: [],
    },
    {},
  );
  // A validation error (a policy iam-simulate rejects, an unknown context key) must fail the test, not read as deny.
  if (response.resultType === 'error') {
    throw new Error(`iam-simulate rejected the simulation: ${JSON.stringify(response.errors)}`);
  }
  if (response.resultType !== 'single') throw new Error(`iam-simulate: expected one concrete resource: ${resource}`);
  const ignored = response.result.ignoredContextKeys ?? [];
  if (ignored.length > 0) throw new Error(`iam-simulate ignored context keys ${ignored.join(', ')}`);
  return response.overallResult;
}
