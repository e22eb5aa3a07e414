import { HANDLER_ENV } from '@devauth/lambda-handlers/env';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct, type IDependable } from 'constructs';
import type { DevauthVpcPlacement, IDevauthStore } from './devauth-store.js';
import { DevauthPostgresMigrations, type DevauthPostgresMigrationsOptions } from './postgres-migrations.js';

/**
 * The Amazon CA certificates (RDS's among them) that Lambda's Node.js 20+ runtimes ship but no longer load at start
 * (https://aws.amazon.com/blogs/compute/node-js-20-x-runtime-now-available-in-aws-lambda/). The handlers read the
 * file only to verify the database's certificate, so cold starts of the other code paths do not pay for parsing it.
 */
export const LAMBDA_RUNTIME_CA_FILE = '/var/runtime/ca-cert.pem';

export interface DevauthPostgresStoreProps {
  /**
   * The database credentials in Secrets Manager, as RDS writes them (JSON with `host`, `port`, `username`,
   * `password`, `dbname`: https://docs.aws.amazon.com/secretsmanager/latest/userguide/reference_secret_json_structure.html),
   * e.g. `DatabaseInstance.secret`. The functions read it at their first request and re-read the password when it
   * may have rotated.
   */
  readonly secret: secretsmanager.ISecret;
  /**
   * What the functions connect to, to open the port on: the database instance or cluster, or (recommended) its RDS
   * Proxy, which pools connections across the many short-lived Lambda environments.
   */
  readonly database: ec2.IConnectable;
  /** Host to connect to instead of the secret's `host`: the RDS Proxy endpoint. */
  readonly host?: string;
  /** Default 5432. */
  readonly port?: number;
  readonly vpc: ec2.IVpc;
  /**
   * Default: the VPC's private subnets with egress. The functions also call Cognito Identity and Secrets Manager, so
   * these subnets need a route to them (a NAT gateway, or interface VPC endpoints).
   */
  readonly vpcSubnets?: ec2.SubnetSelection;
  /** Run the schema migrations at deploy time (a custom resource). Default on; `false` if you run `migrate` yourself. */
  readonly migrations?: DevauthPostgresMigrationsOptions | false;
}

/**
 * devauth's PostgreSQL store as deployed: the connection comes from a Secrets Manager secret (never from a URL in the
 * environment), the functions run in the VPC in a security group of their own that the database lets in on its
 * port, TLS with certificate verification, and the schema migrated by a custom resource before any function that
 * uses it is deployed (never at cold start: concurrent cold starts would queue on the migration lock).
 */
export class DevauthPostgresStore extends Construct implements IDevauthStore {
  readonly secret: secretsmanager.ISecret;
  /** The functions' security group (egress: the database port to the database, HTTPS to AWS APIs). */
  readonly securityGroup: ec2.SecurityGroup;
  readonly vpcPlacement: DevauthVpcPlacement;
  readonly environment: Readonly<Record<string, string>>;
  readonly port: number;
  readonly migrations?: DevauthPostgresMigrations;
  readonly readiness?: IDependable;
  private readonly database: ec2.IConnectable;

  constructor(scope: Construct, id: string, props: DevauthPostgresStoreProps) {
    super(scope, id);
    this.secret = props.secret;
    this.database = props.database;
    this.port = props.port ?? 5432;
    this.securityGroup = new ec2.SecurityGroup(this, 'FunctionsSecurityGroup', {
      vpc: props.vpc,
      description: 'devauth functions that use the PostgreSQL store',
      allowAllOutbound: false,
    });
    // Secrets Manager, Cognito Identity and the other AWS APIs the handlers call are HTTPS.
    this.securityGroup.addEgressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(443), 'HTTPS to AWS APIs');
    this.allowFrom(this.securityGroup);
    this.vpcPlacement = {
      vpc: props.vpc,
      vpcSubnets: props.vpcSubnets ?? { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
      securityGroups: [this.securityGroup],
    };
    this.environment = {
      [HANDLER_ENV.store]: 'postgres',
      [HANDLER_ENV.databaseSecretArn]: this.secret.secretArn,
      [HANDLER_ENV.databaseTls]: 'verify-full',
      [HANDLER_ENV.databaseCaFile]: LAMBDA_RUNTIME_CA_FILE,
      ...(props.host === undefined ? {} : { [HANDLER_ENV.databaseHost]: props.host }),
    };
    if (props.migrations !== false) {
      this.migrations = new DevauthPostgresMigrations(this, 'Migrations', { ...props.migrations, store: this });
      this.readiness = this.migrations.resource;
    }
  }

  /**
   * Reading the secret is all a function needs of IAM (the database checks the password); a function in the VPC with
   * security groups of its own is also let in on the database port.
   */
  grantStoreAccess(grantee: iam.IGrantable): void {
    this.grantSecretRead(grantee);
    if (isVpcFunction(grantee)) this.allowFrom(grantee);
  }

  /** The same as grantStoreAccess: PostgreSQL privileges are the database user's, not IAM's. */
  grantUserLookup(grantee: iam.IGrantable): void {
    this.grantStoreAccess(grantee);
  }

  /** The same again: a listing is a query the database user may run; IAM only hands out the secret. */
  grantListing(grantee: iam.IGrantable): void {
    this.grantStoreAccess(grantee);
  }

  /** Lets a function with its own security groups reach the database port (the store's own group already can). */
  allowFrom(other: ec2.IConnectable): void {
    this.database.connections.allowFrom(other, ec2.Port.tcp(this.port), 'devauth functions to PostgreSQL');
  }

  private grantSecretRead(grantee: iam.IGrantable): void {
    // GetSecretValue only (not secret.grantRead, which adds DescribeSecret). A secret known by a partial ARN (imported
    // by name) has a random 6-character suffix in its full ARN.
    const arn = this.secret.secretFullArn ?? `${this.secret.secretArn}-??????`;
    iam.Grant.addToPrincipal({ grantee, actions: ['secretsmanager:GetSecretValue'], resourceArns: [arn] });
    // A customer managed key must let the function decrypt (the AWS managed key needs nothing).
    this.secret.encryptionKey?.grantDecrypt(grantee);
  }
}

function isVpcFunction(grantee: iam.IGrantable): grantee is iam.IGrantable & ec2.IConnectable {
  const candidate = grantee as Partial<lambda.IFunction>;
  return candidate.isBoundToVpc === true && candidate.connections !== undefined;
}
