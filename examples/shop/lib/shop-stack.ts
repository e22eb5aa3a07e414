import { fileURLToPath } from 'node:url';
import { Devauth, DevauthPostgresStore, lambdaRuntime, omitImpliedRoleDependency } from '@devauth/cdk';
import { RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as rds from 'aws-cdk-lib/aws-rds';
import type { Construct } from 'constructs';

export interface ShopStackProps extends StackProps {
  /** The auth handlers' bundles (`pnpm bundle`); default: the construct's (bundle/ of @devauth/lambda-handlers). */
  readonly handlersAssetDir?: string;
  /** The shop's own handlers, prebuilt by scripts/build-handlers.mjs. */
  readonly appHandlersDir?: string;
  /** `http` (default) or `rest`. */
  readonly apiKind?: 'http' | 'rest';
  /** Browser origin of the shop's front end. */
  readonly allowOrigin?: string;
  /**
   * `dynamodb` (default): one on-demand table. `postgres`: a VPC, PostgreSQL 15 on RDS behind an RDS Proxy, the
   * functions in the VPC, the schema migrated at deploy time (costs more: an instance, a proxy, a NAT gateway).
   */
  readonly store?: 'dynamodb' | 'postgres';
  /**
   * SES sender for password-reset and email-verification messages (`from`, and the verified identity it belongs to).
   * Default: none.
   */
  readonly ses?: { readonly from: string; readonly identity: string };
}

/**
 * A small shop: guests browse products, sellers add and delete them, signed-in users see orders, administrators
 * manage users and invitations (devauth's own `/admin/...` routes). Every route is declared once, with its handler
 * and roles; devauth derives the IAM policies and the handlers' guard table from it.
 */
export class ShopStack extends Stack {
  readonly devauth: Devauth;

  constructor(scope: Construct, id: string, props: ShopStackProps = {}) {
    super(scope, id, props);
    const appDir = props.appHandlersDir ?? fileURLToPath(new URL('../dist/handlers', import.meta.url));
    const store = props.store === 'postgres' ? this.postgresStore(props.handlersAssetDir) : undefined;
    const appFunction = (name: string) => {
      const fn = new lambda.Function(this, name, {
        ...store?.vpcPlacement,
        code: lambda.Code.fromAsset(`${appDir}/${name.toLowerCase()}`),
        handler: 'index.handler',
        runtime: lambdaRuntime('nodejs24.x'),
        architecture: lambda.Architecture.ARM_64,
        logGroup: new logs.LogGroup(this, `${name}Logs`, { retention: logs.RetentionDays.ONE_MONTH }),
      });
      omitImpliedRoleDependency(fn); // keeps the template cfn-lint clean (W3005), see its comment
      return fn;
    };
    const products = appFunction('Products');
    const orders = appFunction('Orders');

    this.devauth = new Devauth(this, 'Devauth', {
      developerProviderName: 'login.shop.example.com',
      // `admin` brings devauth's admin routes (for that role only); leave it out to administer with the CLI alone.
      roles: ['shopper', 'seller', 'admin'],
      routes: [
        { method: 'GET', path: '/products', roles: ['guest', 'shopper', 'seller'], handler: products },
        { method: 'POST', path: '/products', roles: ['seller'], handler: products },
        { method: 'DELETE', path: '/products/{id}', roles: ['seller'], handler: products },
        { method: 'GET', path: '/orders', roles: ['shopper', 'seller'], handler: orders },
      ],
      api: { kind: props.apiKind ?? 'http', cors: { allowOrigins: [props.allowOrigin ?? 'https://shop.example.com'] } },
      ...(props.handlersAssetDir === undefined ? {} : { functions: { handlersAssetDir: props.handlersAssetDir } }),
      // A demo: the table goes with the stack. Keep the default (RETAIN) for real users.
      ...(store ? { store } : { table: { removalPolicy: RemovalPolicy.DESTROY } }),
      // Without a sender, POST /auth/password/forgot and POST /me/email answer 500 (not configured) and registration
      // sends no verification link; everything else works.
      ...(props.ses ? { messages: { ses: props.ses, appName: 'Shop' } } : {}),
    });
  }

  /** PostgreSQL in a VPC of its own: the database in isolated subnets, the functions in private ones with a NAT. */
  private postgresStore(handlersAssetDir: string | undefined): DevauthPostgresStore {
    const vpc = new ec2.Vpc(this, 'Vpc', {
      maxAzs: 2,
      // One NAT gateway: the functions call Cognito Identity and Secrets Manager. Use one per AZ in production.
      natGateways: 1,
      subnetConfiguration: [
        { name: 'Public', subnetType: ec2.SubnetType.PUBLIC },
        { name: 'Functions', subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
        { name: 'Database', subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
      ],
    });
    const database = new rds.DatabaseInstance(this, 'Database', {
      engine: rds.DatabaseInstanceEngine.postgres({ version: rds.PostgresEngineVersion.VER_15_17 }),
      instanceType: ec2.InstanceType.of(ec2.InstanceClass.T4G, ec2.InstanceSize.MICRO),
      vpc,
      vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
      credentials: rds.Credentials.fromGeneratedSecret('devauth'),
      databaseName: 'devauth',
      storageEncrypted: true,
      // A demo: the database goes with the stack. Keep snapshots and deletion protection for real users.
      removalPolicy: RemovalPolicy.DESTROY,
      deletionProtection: false,
    });
    // RDS Proxy pools connections across the many short-lived Lambda environments and requires TLS.
    const proxy = database.addProxy('Proxy', { secrets: [database.secret!], vpc, requireTLS: true });
    return new DevauthPostgresStore(this, 'Store', {
      secret: database.secret!,
      database: proxy,
      host: proxy.endpoint,
      vpc,
      ...(handlersAssetDir === undefined ? {} : { migrations: { handlersAssetDir } }),
    });
  }
}
