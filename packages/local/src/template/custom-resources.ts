import { TemplateError } from './errors.js';
import type { FunctionProcess } from './function-host.js';
import { type LocalValues, resolveIntrinsics } from './intrinsics.js';
import type { SynthesizedStack } from './read-template.js';

/**
 * The variable through which the CDK custom-resources Provider framework names the user's onEvent function (read
 * from aws-cdk-lib's framework code: `USER_ON_EVENT_FUNCTION_ARN`); the framework function itself answers
 * CloudFormation at the pre-signed ResponseURL, which has no offline counterpart.
 */
const PROVIDER_ON_EVENT_VARIABLE = 'USER_ON_EVENT_FUNCTION_ARN';

/** A custom resource whose handler runs offline: through a Provider framework, the user's onEvent function. */
export interface RunnableCustomResource {
  readonly logicalId: string;
  readonly type: string;
  /** The logical id of the user's onEvent function. */
  readonly onEventFunctionId: string;
  readonly properties: Readonly<Record<string, unknown>>;
}

/** The `Fn::GetAtt [<id>, Arn]` target of a value, else undefined. */
function arnTarget(value: unknown): string | undefined {
  const getAtt = (value as { 'Fn::GetAtt'?: unknown } | null)?.['Fn::GetAtt'];
  return Array.isArray(getAtt) && getAtt[1] === 'Arn' && typeof getAtt[0] === 'string' ? getAtt[0] : undefined;
}

/**
 * The stack's custom resources (`Custom::*`, `AWS::CloudFormation::CustomResource`), in template order, with the
 * onEvent function each would run. One whose ServiceToken is not a Provider framework function of this stack (a
 * function that answers CloudFormation itself, an SNS topic, another stack's provider) cannot run offline: it is
 * reported through `warn` and skipped.
 */
export function readCustomResources(
  stack: SynthesizedStack,
  functionEnvironment: (logicalId: string) => Readonly<Record<string, unknown>> | undefined,
  warn: (message: string) => void,
): RunnableCustomResource[] {
  const resources = Object.entries(stack.resources).filter(
    ([, resource]) => resource.Type.startsWith('Custom::') || resource.Type === 'AWS::CloudFormation::CustomResource',
  );
  const runnable: RunnableCustomResource[] = [];
  for (const [logicalId, resource] of resources) {
    const { ServiceToken: serviceToken, ...properties } = resource.Properties ?? {};
    const frameworkId = arnTarget(serviceToken);
    const onEventFunctionId = frameworkId && arnTarget(functionEnvironment(frameworkId)?.[PROVIDER_ON_EVENT_VARIABLE]);
    if (!onEventFunctionId || functionEnvironment(onEventFunctionId) === undefined) {
      warn(
        `custom resource ${logicalId} (${resource.Type}) is not run offline: its service token is no Provider framework of this stack`,
      );
      continue;
    }
    runnable.push({ logicalId, type: resource.Type, onEventFunctionId, properties });
  }
  return runnable;
}

/**
 * Runs each custom resource's Create as CloudFormation would through the Provider framework: the onEvent function
 * gets the framework's request (RequestType, ResourceProperties, ...) and its failure fails the start, as it would
 * fail the deployment. Resources run one after the other, in template order.
 */
export async function createCustomResources(
  resources: readonly RunnableCustomResource[],
  processes: ReadonlyMap<string, FunctionProcess>,
  context: { readonly stackId: string; readonly values: LocalValues },
): Promise<void> {
  for (const resource of resources) {
    const fn = processes.get(resource.onEventFunctionId);
    if (!fn)
      throw new TemplateError(`custom resource ${resource.logicalId}: no function ${resource.onEventFunctionId}`);
    const properties = resolveIntrinsics(resource.properties, context.values, `custom resource ${resource.logicalId}`);
    const event = {
      RequestType: 'Create',
      StackId: context.stackId,
      RequestId: `local-${resource.logicalId}`,
      LogicalResourceId: resource.logicalId,
      ResourceType: resource.type,
      ResourceProperties: { ...(properties as Record<string, unknown>) },
    };
    try {
      await fn.invoke(event);
    } catch (error) {
      throw new TemplateError(`custom resource ${resource.logicalId} failed to create: ${(error as Error).message}`);
    }
  }
}
