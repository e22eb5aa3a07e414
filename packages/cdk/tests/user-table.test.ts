import { devauthTableDefinition } from '@devauth/adapters-dynamodb';
import { DEVAUTH_TABLE } from '@devauth/adapters-dynamodb/schema';
import { RemovalPolicy } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { describe, expect, it } from 'vitest';
import { DevauthUserTable } from '../src/index.js';
import { newStack, shopStack } from './support.js';

describe('DevauthUserTable', () => {
  const { template } = shopStack('http');
  const table = Object.values(template.findResources('AWS::DynamoDB::Table'))[0]!;

  it('has the keys, index and capacity mode of devauthTableDefinition', () => {
    const definition = devauthTableDefinition('unused');
    expect(table.Properties.KeySchema).toEqual(definition.KeySchema);
    expect(table.Properties.AttributeDefinitions).toEqual(definition.AttributeDefinitions);
    expect(table.Properties.GlobalSecondaryIndexes).toEqual(definition.GlobalSecondaryIndexes);
    expect(table.Properties.BillingMode).toBe(definition.BillingMode);
    expect(table.Properties.GlobalSecondaryIndexes[0]).toMatchObject({
      IndexName: 'GSI1',
      Projection: { ProjectionType: 'ALL' },
    });
    // The listing index, added after GSI1 (one new GSI: what one CloudFormation update of a deployed table allows).
    expect(table.Properties.GlobalSecondaryIndexes).toHaveLength(2);
    expect(table.Properties.GlobalSecondaryIndexes[1]).toEqual({
      IndexName: 'GSI2',
      KeySchema: [
        { AttributeName: 'GSI2PK', KeyType: 'HASH' },
        { AttributeName: 'GSI2SK', KeyType: 'RANGE' },
      ],
      Projection: { ProjectionType: 'ALL' },
    });
  });

  it('expires items on the ttl attribute, keeps point-in-time recovery, encrypts with the AWS managed key', () => {
    expect(table.Properties.TimeToLiveSpecification).toEqual({
      AttributeName: DEVAUTH_TABLE.ttlAttribute,
      Enabled: true,
    });
    expect(DEVAUTH_TABLE.ttlAttribute).toBe('ttl');
    expect(table.Properties.PointInTimeRecoverySpecification).toEqual({ PointInTimeRecoveryEnabled: true });
    // SSEEnabled without a key: KMS with the AWS managed key aws/dynamodb (no customer key, no KMS grants needed).
    expect(table.Properties.SSESpecification).toEqual({ SSEEnabled: true });
  });

  it('is retained by default and can be destroyed on request', () => {
    expect(table.DeletionPolicy).toBe('Retain');
    expect(table.UpdateReplacePolicy).toBe('Retain');
    const stack = newStack();
    new DevauthUserTable(stack, 'Users', { removalPolicy: RemovalPolicy.DESTROY, pointInTimeRecovery: false });
    const destroyable = Object.values(Template.fromStack(stack).findResources('AWS::DynamoDB::Table'))[0]!;
    expect(destroyable.DeletionPolicy).toBe('Delete');
    expect(destroyable.Properties.PointInTimeRecoverySpecification).toEqual({ PointInTimeRecoveryEnabled: false });
  });

  it('grants the stores read/write on the table and Query on GSI1, lookups read only, listings Query on GSI2', () => {
    const stack = newStack();
    const users = new DevauthUserTable(stack, 'Users');
    const writer = new iam.Role(stack, 'Writer', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    const reader = new iam.Role(stack, 'Reader', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    const lister = new iam.Role(stack, 'Lister', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    users.grantStoreAccess(writer);
    users.grantUserLookup(reader);
    users.grantListing(lister);
    const policies = Object.values(Template.fromStack(stack).findResources('AWS::IAM::Policy'));
    const statements = (role: string) =>
      policies.find((policy) => JSON.stringify(policy.Properties.Roles).includes(role))!.Properties.PolicyDocument
        .Statement;
    const tableId = Object.keys(Template.fromStack(stack).findResources('AWS::DynamoDB::Table'))[0]!;
    const tableArn = { 'Fn::GetAtt': [tableId, 'Arn'] };
    const indexArn = { 'Fn::Join': ['', [tableArn, '/index/GSI1']] };
    const listIndexArn = { 'Fn::Join': ['', [tableArn, '/index/GSI2']] };
    expect(statements('Writer')).toEqual([
      {
        Action: [
          'dynamodb:GetItem',
          'dynamodb:BatchGetItem',
          'dynamodb:Query',
          'dynamodb:PutItem',
          'dynamodb:UpdateItem',
          'dynamodb:DeleteItem',
          'dynamodb:BatchWriteItem',
          'dynamodb:ConditionCheckItem',
        ],
        Effect: 'Allow',
        Resource: tableArn,
      },
      // Not GSI2: the auth routes never list; only the admin listings get it (grantListing).
      { Action: 'dynamodb:Query', Effect: 'Allow', Resource: indexArn },
    ]);
    // A user lookup never lists: no Query on GSI2.
    expect(statements('Reader')).toEqual([
      { Action: 'dynamodb:GetItem', Effect: 'Allow', Resource: tableArn },
      { Action: 'dynamodb:Query', Effect: 'Allow', Resource: indexArn },
    ]);
    // A listing: Query on the listing index by its ARN, nothing else (the lookup it comes with reads the table).
    expect(statements('Lister')).toEqual([{ Action: 'dynamodb:Query', Effect: 'Allow', Resource: listIndexArn }]);
    expect(stack.resolve(users.listIndexArn)).toEqual(listIndexArn);
    expect(users.environment).toEqual({ DEVAUTH_STORE: 'dynamodb', DEVAUTH_TABLE_NAME: users.tableName });
  });
});
