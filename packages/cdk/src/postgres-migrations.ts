import { Annotations, CustomResource, Duration } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as cr from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';
import { omitImpliedRoleDependency } from './depends-on.js';
import type { IDevauthStore } from './devauth-store.js';
import { DevauthConstructError } from './errors.js';
import {
  type DevauthArchitecture,
  type DevauthRuntime,
  defaultHandlersAssetDir,
  handlerCode,
  lambdaArchitecture,
  lambdaRuntime,
} from './handler-code.js';
import { grantVpcNetworkInterfaces } from './vpc-access.js';

export interface DevauthPostgresMigrationsOptions {
  /** The directory `pnpm bundle` writes (with `migrate/index.mjs`). Default: as for the auth functions. */
  readonly handlersAssetDir?: string;
  /** The migrate function's code instead of the directory. */
  readonly code?: lambda.Code;
  /** Default `nodejs24.x`. */
  readonly runtime?: DevauthRuntime;
  /** Default `arm64`. */
  readonly architecture?: DevauthArchitecture;
  /** Default one month. */
  readonly logRetention?: logs.RetentionDays;
}

export interface DevauthPostgresMigrationsProps extends DevauthPostgresMigrationsOptions {
  /** The store to migrate: its environment, VPC placement and secret. */
  readonly store: IDevauthStore;
}

/**
 * Migrates the PostgreSQL schema at deploy time: a custom resource (`Custom::DevauthPostgresMigrations`) whose
 * handler is the handlers package's `migrate` bundle, run in the store's VPC with the store's secret. The
 * migrations are idempotent and take an advisory lock, so a repeated or concurrent run applies each at most once.
 * The resource's properties carry the bundle's asset key: a new bundle (new migrations) runs it again on update.
 * The CDK Provider framework answers CloudFormation, so the migrate function itself needs no route to S3.
 */
export class DevauthPostgresMigrations extends Construct {
  readonly function: lambda.Function;
  readonly provider: cr.Provider;
  readonly resource: CustomResource;

  constructor(scope: Construct, id: string, props: DevauthPostgresMigrationsProps) {
    super(scope, id);
    const architecture = props.architecture ?? 'arm64';
    const assetDir = props.code ? undefined : (props.handlersAssetDir ?? defaultHandlersAssetDir());
    if (!props.code && assetDir === undefined) {
      throw new DevauthConstructError(
        this.node.path,
        'handlersAssetDir is not set and @devauth/lambda-handlers cannot be resolved from the working directory.',
      );
    }
    const retention = props.logRetention ?? logs.RetentionDays.ONE_MONTH;
    const logGroup = new logs.LogGroup(this, 'Logs', { retention });
    const role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: 'devauth PostgreSQL migrations',
    });
    logGroup.grantWrite(role);
    const placement = props.store.vpcPlacement;
    if (placement) grantVpcNetworkInterfaces(this, role);
    this.function = new lambda.Function(this, 'Function', {
      description: 'devauth PostgreSQL schema migrations (custom resource)',
      code:
        props.code ??
        handlerCode(this, assetDir!, 'migrate', {
          architecture,
          verifyNativeAddons: false,
          warn: (message) => Annotations.of(this).addWarningV2('@devauth/cdk:migrate', message),
        }),
      handler: 'index.handler',
      runtime: lambdaRuntime(props.runtime ?? 'nodejs24.x'),
      architecture: lambdaArchitecture(architecture),
      memorySize: 512,
      // DDL on a large table can take a while; CloudFormation waits up to an hour for a custom resource.
      timeout: Duration.minutes(10),
      environment: { ...props.store.environment },
      role,
      logGroup,
      ...(placement ?? {}),
    });
    props.store.grantStoreAccess(this.function);
    omitImpliedRoleDependency(this.function);

    this.provider = new cr.Provider(this, 'Provider', {
      onEventHandler: this.function,
      logGroup: new logs.LogGroup(this, 'ProviderLogs', { retention }),
    });
    // The framework's own function too: its DependsOn on its role is implied (cfn-lint W3005).
    for (const child of this.provider.node.findAll()) {
      if (child instanceof lambda.Function) omitImpliedRoleDependency(child);
    }
    const cfnFunction = this.function.node.defaultChild as lambda.CfnFunction;
    const code = cfnFunction.code as lambda.CfnFunction.CodeProperty;
    this.resource = new CustomResource(this, 'Resource', {
      serviceToken: this.provider.serviceToken,
      resourceType: 'Custom::DevauthPostgresMigrations',
      properties: { Bundle: code.s3Key ?? 'inline' },
    });
  }
}
