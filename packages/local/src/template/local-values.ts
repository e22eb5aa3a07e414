import { createHash } from 'node:crypto';
import { isPseudoParameter, type LocalValues } from './intrinsics.js';
import type { SynthesizedStack } from './read-template.js';

export interface LocalDeployment {
  readonly region: string;
  readonly accountId: string;
  readonly apiId: string;
  readonly stage: string;
  readonly identityPoolId: string;
  /** Table name by logical id (created in the local DynamoDB). */
  readonly tables: ReadonlyMap<string, string>;
  /** Function name by logical id. */
  readonly functionNames: ReadonlyMap<string, string>;
}

/** A 10-character API id of the shape API Gateway gives (lower-case letters and digits), stable per stack and API. */
export function localApiId(stackName: string, apiLogicalId: string): string {
  const digest = createHash('sha256').update(`${stackName}/${apiLogicalId}`).digest();
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
  return Array.from(digest.subarray(0, 10), (byte) => alphabet[byte % alphabet.length]).join('');
}

const partitionOf = (region: string) =>
  region.startsWith('cn-') ? 'aws-cn' : region.startsWith('us-gov-') ? 'aws-us-gov' : 'aws';

/**
 * What each resource's `Ref` and `Fn::GetAtt` are offline: the local pool's id, the local table names, the local
 * API id and stage, names and ARNs in the local account. Resources with no local counterpart resolve to nothing, and
 * a value that needs one fails with the resource's name (see resolveIntrinsics).
 */
export function localValues(stack: SynthesizedStack, deployment: LocalDeployment): LocalValues {
  const { region, accountId } = deployment;
  const partition = partitionOf(region);
  const pseudo: Record<string, string> = {
    'AWS::Region': region,
    'AWS::AccountId': accountId,
    'AWS::Partition': partition,
    'AWS::URLSuffix': partition === 'aws-cn' ? 'amazonaws.com.cn' : 'amazonaws.com',
    'AWS::StackName': stack.stackName,
  };
  const physicalName = (logicalId: string, property: string) => {
    const value = stack.resources[logicalId]?.Properties?.[property];
    return typeof value === 'string' ? value : `${stack.stackName}-${logicalId}`.slice(0, 64);
  };
  const ref = (logicalId: string): string | undefined => {
    if (isPseudoParameter(logicalId)) return pseudo[logicalId];
    switch (stack.resources[logicalId]?.Type) {
      case 'AWS::DynamoDB::Table':
        return deployment.tables.get(logicalId);
      case 'AWS::Cognito::IdentityPool':
        return deployment.identityPoolId;
      case 'AWS::ApiGatewayV2::Api':
      case 'AWS::ApiGateway::RestApi':
        return deployment.apiId;
      case 'AWS::ApiGatewayV2::Stage':
      case 'AWS::ApiGateway::Stage':
        return deployment.stage;
      case 'AWS::Lambda::Function':
        return deployment.functionNames.get(logicalId);
      case 'AWS::IAM::Role':
        return physicalName(logicalId, 'RoleName');
      case 'AWS::Logs::LogGroup':
        return physicalName(logicalId, 'LogGroupName');
      default:
        return undefined;
    }
  };
  const arn = (service: string, resource: string, regional = true) =>
    `arn:${partition}:${service}:${regional ? region : ''}:${accountId}:${resource}`;
  const getAtt = (logicalId: string, attribute: string): string | undefined => {
    const name = ref(logicalId);
    if (name === undefined) return undefined;
    switch (`${stack.resources[logicalId]?.Type}.${attribute}`) {
      case 'AWS::DynamoDB::Table.Arn':
        return arn('dynamodb', `table/${name}`);
      case 'AWS::Lambda::Function.Arn':
        return arn('lambda', `function:${name}`);
      case 'AWS::IAM::Role.Arn':
        return `arn:${partition}:iam::${accountId}:role/${name}`;
      case 'AWS::Logs::LogGroup.Arn':
        return arn('logs', `log-group:${name}:*`);
      case 'AWS::ApiGateway::RestApi.RootResourceId':
        return 'root';
      default:
        return undefined;
    }
  };
  return { ref, getAtt };
}
