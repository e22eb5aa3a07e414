import type { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as rds from 'aws-cdk-lib/aws-rds';
import { describe, expect, it } from 'vitest';
import {
  AUTH_ROUTES,
  Devauth,
  DevauthConstructError,
  DevauthPostgresStore,
  type DevauthRoute,
  LAMBDA_RUNTIME_CA_FILE,
} from '../src/index.js';
import { appHandlerDir, handlersFixture, logicalIds, newStack, resourceNamed } from './support.js';

/** A VPC, a PostgreSQL 15 instance with a generated secret, its RDS Proxy, and the devauth store over the proxy. */
function database(stack: Stack) {
  const vpc = new ec2.Vpc(stack, 'Vpc', {
    maxAzs: 2,
    natGateways: 1,
    subnetConfiguration: [
      { name: 'Public', subnetType: ec2.SubnetType.PUBLIC },
      { name: 'Private', subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
      { name: 'Database', subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
    ],
  });
  const instance = new rds.DatabaseInstance(stack, 'Database', {
    engine: rds.DatabaseInstanceEngine.postgres({ version: rds.PostgresEngineVersion.VER_15_17 }),
    vpc,
    vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
    credentials: rds.Credentials.fromGeneratedSecret('devauth'),
    storageEncrypted: true,
  });
  const proxy = instance.addProxy('Proxy', { secrets: [instance.secret!], vpc, requireTLS: true });
  return { vpc, instance, proxy };
}

function postgresStack(kind: 'http' | 'rest', options: { migrations?: false } = {}) {
  const stack = newStack();
  const { vpc, instance, proxy } = database(stack);
  const handlersAssetDir = handlersFixture({ routes: [...AUTH_ROUTES, 'migrate'] });
  const store = new DevauthPostgresStore(stack, 'Store', {
    secret: instance.secret!,
    database: proxy,
    host: proxy.endpoint,
    vpc,
    ...(options.migrations === false ? { migrations: false as const } : { migrations: { handlersAssetDir } }),
  });
  const products = new lambda.Function(stack, 'Products', {
    code: lambda.Code.fromAsset(appHandlerDir()),
    handler: 'index.handler',
    runtime: lambda.Runtime.NODEJS_22_X,
    ...store.vpcPlacement,
  });
  const routes: DevauthRoute[] = [
    { method: 'GET', path: '/products', roles: ['guest', 'shopper', 'seller'], handler: products },
    { method: 'POST', path: '/products', roles: ['seller'], handler: products },
  ];
  const devauth = new Devauth(stack, 'Devauth', {
    developerProviderName: 'login.shop.test',
    api: { kind },
    functions: { handlersAssetDir },
    store,
    routes,
  });
  return { stack, store, devauth, template: Template.fromStack(stack) };
}

type Statement = { Action: string | string[]; Resource: unknown; Effect: string };
function policyStatements(template: Template, part: string): Statement[] {
  return Object.entries(template.findResources('AWS::IAM::Policy'))
    .filter(([id]) => id.includes(part))
    .flatMap(([, policy]) => policy.Properties.PolicyDocument.Statement as Statement[]);
}
const actionsOf = (statements: Statement[]) => statements.flatMap((s) => [s.Action].flat()).sort();

describe.each(['http', 'rest'] as const)('DevauthPostgresStore with the %s API', (kind) => {
  const { template } = postgresStack(kind);
  const authFunctions = Object.entries(template.findResources('AWS::Lambda::Function')).filter(([id]) =>
    id.startsWith('DevauthAuthFunctions'),
  );
  const storeGroup = resourceNamed(template, 'AWS::EC2::SecurityGroup', 'StoreFunctionsSecurityGroup').id;
  const secretRef = { Ref: resourceNamed(template, 'AWS::SecretsManager::SecretTargetAttachment', 'Database').id };

  it('creates no DynamoDB table', () => {
    expect(logicalIds(template, 'AWS::DynamoDB::Table')).toEqual([]);
  });

  it('outputs the secret ARN (DEVAUTH_DATABASE_SECRET_ARN of the operator CLI) instead of a table name', () => {
    const outputs = Object.entries(template.toJSON().Outputs as Record<string, { Value: unknown }>);
    expect(outputs.find(([id]) => id.startsWith('DevauthDatabaseSecretArn'))?.[1].Value).toEqual(secretRef);
    expect(outputs.some(([id]) => id.startsWith('DevauthTableName'))).toBe(false);
  });

  it('places every auth function in the private subnets, in the store security group', () => {
    expect(authFunctions.map(([id]) => id.replace(/^DevauthAuthFunctions|[0-9A-F]{8}$/g, '')).sort()).toEqual([
      'AdminCreateInvitation',
      'AdminDeleteUser',
      'AdminGetUser',
      'AdminListInvitations',
      'AdminListUsers',
      'AdminRevokeInvitation',
      'AdminRevokeSessions',
      'AdminSetRole',
      'AdminSetStatus',
      'ChangeEmail',
      'ChangePassword',
      'DeleteAccount',
      'Guest',
      'ListSessions',
      'Login',
      'Logout',
      'Me',
      'PasswordForgot',
      'PasswordReset',
      'Refresh',
      'Register',
      'ResendEmailVerification',
      'RevokeOtherSessions',
      'RevokeSession',
      'SignOutEverywhere',
      'VerifyEmail',
    ]);
    const privateSubnets = logicalIds(template, 'AWS::EC2::Subnet')
      .filter((id) => id.includes('PrivateSubnet'))
      .map((id) => ({ Ref: id }));
    expect(privateSubnets).toHaveLength(2);
    for (const [, fn] of authFunctions) {
      expect(fn.Properties.VpcConfig.SecurityGroupIds).toEqual([{ 'Fn::GetAtt': [storeGroup, 'GroupId'] }]);
      expect(fn.Properties.VpcConfig.SubnetIds).toEqual(privateSubnets);
    }
  });

  it('configures the handlers for the secret, the proxy host and verified TLS, and nothing of DynamoDB', () => {
    for (const [, fn] of authFunctions) {
      const variables = fn.Properties.Environment.Variables;
      expect(variables.DEVAUTH_STORE).toBe('postgres');
      expect(variables.DEVAUTH_DATABASE_SECRET_ARN).toEqual(secretRef);
      expect(JSON.stringify(variables.DEVAUTH_DATABASE_HOST)).toContain('Endpoint');
      expect(variables.DEVAUTH_DATABASE_TLS).toBe('verify-full');
      expect(variables.DEVAUTH_DATABASE_CA_FILE).toBe(LAMBDA_RUNTIME_CA_FILE);
      expect(variables.DEVAUTH_TABLE_NAME).toBeUndefined();
      expect(variables.DEVAUTH_DATABASE_URL).toBeUndefined();
    }
  });

  it('lets each function read the secret (GetSecretValue only, on that secret only) and touch no table', () => {
    for (const route of [
      'Register',
      'Login',
      'Guest',
      'Refresh',
      'Logout',
      'Me',
      'PasswordReset',
      'DeleteAccount',
      'VerifyEmail',
      'ChangeEmail',
      'ResendEmailVerification',
      // A listing is granted the secret twice over (lookup and listing): one statement all the same.
      'AdminListUsers',
      'AdminSetRole',
    ]) {
      const statements = policyStatements(template, `AuthFunctions${route}Role`);
      const secret = statements.filter((s) => JSON.stringify(s.Action).includes('secretsmanager'));
      expect(secret).toEqual([{ Action: 'secretsmanager:GetSecretValue', Effect: 'Allow', Resource: secretRef }]);
      expect(actionsOf(statements).some((action) => action.startsWith('dynamodb:'))).toBe(false);
    }
  });

  it('names no resource "*" but GetId and the two EC2 describe calls Lambda needs for VPC placement', () => {
    const all = Object.values(template.findResources('AWS::IAM::Policy')).flatMap(
      (policy) => policy.Properties.PolicyDocument.Statement as Statement[],
    );
    const wildcards = all.filter((s) => JSON.stringify(s.Resource) === '"*"');
    const distinct = [...new Set(wildcards.map((s) => JSON.stringify(s.Action)))].sort();
    expect(distinct).toEqual([
      '"cognito-identity:DeleteIdentities"',
      '"cognito-identity:GetId"',
      '["ec2:DescribeNetworkInterfaces","ec2:DescribeSubnets"]',
    ]);
    // The calls that change network interfaces are limited to this account and region.
    const eni = all.filter((s) => JSON.stringify(s.Action).includes('ec2:CreateNetworkInterface'));
    expect(eni.length).toBeGreaterThanOrEqual(7);
    for (const s of eni) {
      expect(s.Resource).toEqual({
        'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':ec2:eu-west-1:123456789012:*/*']],
      });
    }
  });

  it('opens the proxy on 5432 to the functions only, and the functions only to the proxy and HTTPS', () => {
    const ingress = Object.values(template.findResources('AWS::EC2::SecurityGroupIngress')).filter((rule) =>
      JSON.stringify(rule.Properties.SourceSecurityGroupId).includes(storeGroup),
    );
    expect(ingress).toHaveLength(1);
    expect(ingress[0]!.Properties).toMatchObject({ IpProtocol: 'tcp', FromPort: 5432, ToPort: 5432 });
    expect(JSON.stringify(ingress[0]!.Properties.GroupId)).toContain('DatabaseProxy');
    const group = template.findResources('AWS::EC2::SecurityGroup')[storeGroup]!;
    expect(group.Properties.SecurityGroupEgress).toEqual([
      { CidrIp: '0.0.0.0/0', Description: 'HTTPS to AWS APIs', FromPort: 443, IpProtocol: 'tcp', ToPort: 443 },
    ]);
    const egress = Object.values(template.findResources('AWS::EC2::SecurityGroupEgress'));
    expect(egress.map((rule) => rule.Properties)).toEqual([
      expect.objectContaining({ FromPort: 5432, ToPort: 5432, IpProtocol: 'tcp' }),
    ]);
  });

  it('migrates the schema at deploy time, before the auth functions, with the bundle key as trigger', () => {
    const [migrationsId, ...others] = logicalIds(template, 'Custom::DevauthPostgresMigrations');
    expect(others).toEqual([]);
    const migrations = template.findResources('Custom::DevauthPostgresMigrations')[migrationsId!]!;
    expect(migrations.Properties.Bundle).toMatch(/^[0-9a-f]{64}\.zip$/);
    const migrate = resourceNamed(template, 'AWS::Lambda::Function', 'StoreMigrationsFunction').resource;
    expect(migrate.Properties.VpcConfig.SecurityGroupIds).toEqual([{ 'Fn::GetAtt': [storeGroup, 'GroupId'] }]);
    expect(migrate.Properties.Environment.Variables.DEVAUTH_DATABASE_SECRET_ARN).toEqual(secretRef);
    expect(migrate.Properties.Environment.Variables.DEVAUTH_STORE).toBe('postgres');
    for (const [, fn] of authFunctions) expect(fn.DependsOn).toContain(migrationsId);
    // The Provider framework's function (outside the VPC) answers CloudFormation; it may only invoke ours.
    const migrateId = resourceNamed(template, 'AWS::Lambda::Function', 'StoreMigrationsFunction').id;
    const framework = policyStatements(template, 'StoreMigrationsProviderframeworkonEventServiceRole');
    expect([...new Set(actionsOf(framework))]).toEqual(['lambda:GetFunction', 'lambda:InvokeFunction']);
    expect(JSON.stringify(framework)).toContain(migrateId);
  });

  it('gives the app function the store settings and the secret, not a table', () => {
    const products = resourceNamed(template, 'AWS::Lambda::Function', 'Products').resource;
    expect(products.Properties.Environment.Variables.DEVAUTH_STORE).toBe('postgres');
    expect(products.Properties.VpcConfig.SecurityGroupIds).toEqual([{ 'Fn::GetAtt': [storeGroup, 'GroupId'] }]);
    const statements = policyStatements(template, 'ProductsServiceRole');
    expect(statements.filter((s) => JSON.stringify(s.Action).includes('secretsmanager'))).toEqual([
      { Action: 'secretsmanager:GetSecretValue', Effect: 'Allow', Resource: secretRef },
    ]);
  });
});

describe('DevauthPostgresStore refusals and options', () => {
  it('refuses an app function outside the store VPC, naming it', () => {
    const stack = newStack();
    const { vpc, instance } = database(stack);
    const store = new DevauthPostgresStore(stack, 'Store', {
      secret: instance.secret!,
      database: instance,
      vpc,
      migrations: false,
    });
    const outside = new lambda.Function(stack, 'Outside', {
      code: lambda.Code.fromAsset(appHandlerDir()),
      handler: 'index.handler',
      runtime: lambda.Runtime.NODEJS_22_X,
    });
    const build = () =>
      new Devauth(stack, 'Devauth', {
        developerProviderName: 'login.shop.test',
        functions: { handlersAssetDir: handlersFixture() },
        store,
        routes: [{ method: 'GET', path: '/x', roles: ['shopper'], handler: outside }],
      });
    let error: unknown;
    try {
      build();
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(DevauthConstructError);
    expect(String(error)).toMatch(/Outside must run in the store's VPC/);
  });

  it('refuses store and table together', () => {
    const stack = newStack();
    const { vpc, instance } = database(stack);
    const store = new DevauthPostgresStore(stack, 'Store', {
      secret: instance.secret!,
      database: instance,
      vpc,
      migrations: false,
    });
    expect(
      () =>
        new Devauth(stack, 'Devauth', {
          developerProviderName: 'login.shop.test',
          functions: { handlersAssetDir: handlersFixture() },
          store,
          table: {},
        }),
    ).toThrow(/either store or table/);
  });

  it('without migrations, makes no custom resource and the functions depend on nothing of it', () => {
    const { template, store } = postgresStack('http', { migrations: false });
    expect(store.migrations).toBeUndefined();
    expect(logicalIds(template, 'Custom::DevauthPostgresMigrations')).toEqual([]);
    expect(logicalIds(template, 'AWS::Lambda::Function').some((id) => id.includes('Migrations'))).toBe(false);
  });

  it('connects to the secret host when no host is given, and lets a function with its own group in', () => {
    const stack = newStack();
    const { vpc, instance } = database(stack);
    const store = new DevauthPostgresStore(stack, 'Store', {
      secret: instance.secret!,
      database: instance,
      vpc,
      migrations: false,
    });
    expect(store.environment.DEVAUTH_DATABASE_HOST).toBeUndefined();
    const ownGroup = new ec2.SecurityGroup(stack, 'Own', { vpc });
    const fn = new lambda.Function(stack, 'Worker', {
      code: lambda.Code.fromAsset(appHandlerDir()),
      handler: 'index.handler',
      runtime: lambda.Runtime.NODEJS_22_X,
      vpc,
      securityGroups: [ownGroup],
    });
    store.grantUserLookup(fn);
    const template = Template.fromStack(stack);
    const ownId = resourceNamed(template, 'AWS::EC2::SecurityGroup', 'Own').id;
    const rules = Object.values(template.findResources('AWS::EC2::SecurityGroupIngress')).filter((rule) =>
      JSON.stringify(rule.Properties.SourceSecurityGroupId).includes(ownId),
    );
    expect(rules).toHaveLength(1);
    expect(rules[0]!.Properties).toMatchObject({ FromPort: 5432, ToPort: 5432 });
  });
});
