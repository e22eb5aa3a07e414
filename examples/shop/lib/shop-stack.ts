import { fileURLToPath } from 'node:url';
import { Devauth, lambdaRuntime, omitImpliedRoleDependency } from '@devauth/cdk';
import { RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
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
}

/**
 * A small shop: guests browse products, sellers add and delete them, signed-in users see orders. Every route is
 * declared once, with its handler and roles; devauth derives the IAM policies and the handlers' guard table from it.
 */
export class ShopStack extends Stack {
  readonly devauth: Devauth;

  constructor(scope: Construct, id: string, props: ShopStackProps = {}) {
    super(scope, id, props);
    const appDir = props.appHandlersDir ?? fileURLToPath(new URL('../dist/handlers', import.meta.url));
    const appFunction = (name: string) => {
      const fn = new lambda.Function(this, name, {
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
      roles: ['shopper', 'seller'],
      routes: [
        { method: 'GET', path: '/products', roles: ['guest', 'shopper', 'seller'], handler: products },
        { method: 'POST', path: '/products', roles: ['seller'], handler: products },
        { method: 'DELETE', path: '/products/{id}', roles: ['seller'], handler: products },
        { method: 'GET', path: '/orders', roles: ['shopper', 'seller'], handler: orders },
      ],
      api: { kind: props.apiKind ?? 'http', cors: { allowOrigins: [props.allowOrigin ?? 'https://shop.example.com'] } },
      ...(props.handlersAssetDir === undefined ? {} : { functions: { handlersAssetDir: props.handlersAssetDir } }),
      // A demo: the table goes with the stack. Keep the default (RETAIN) for real users.
      table: { removalPolicy: RemovalPolicy.DESTROY },
    });
  }
}
