import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { afterAll } from 'vitest';
import { AUTH_ROUTES, Devauth, type DevauthProps, type DevauthRoute } from '../src/index.js';

const made: string[] = [];
afterAll(() => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

export interface FixtureOptions {
  /** Which addon platforms the hashing routes carry (default both). */
  readonly platforms?: readonly ('linux-arm64-gnu' | 'linux-x64-gnu')[];
  readonly bcrypt?: boolean;
  readonly routes?: readonly string[];
}

/** A stand-in for `pnpm bundle`'s output: `<route>/index.mjs` and the native addon directories, in a temp dir. */
export function handlersFixture(options: FixtureOptions = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'devauth-cdk-handlers-'));
  made.push(dir);
  for (const route of options.routes ?? AUTH_ROUTES) {
    mkdirSync(join(dir, route), { recursive: true });
    writeFileSync(
      join(dir, route, 'index.mjs'),
      `export const handler = async () => ({ statusCode: 200 }); // ${route}\n`,
    );
    const names = ['argon2', ...(options.bcrypt === false ? [] : ['bcrypt'])];
    for (const name of names) {
      for (const pkg of [
        name,
        ...(options.platforms ?? ['linux-arm64-gnu', 'linux-x64-gnu']).map((p) => `${name}-${p}`),
      ]) {
        mkdirSync(join(dir, route, 'node_modules', '@node-rs', pkg), { recursive: true });
        writeFileSync(join(dir, route, 'node_modules', '@node-rs', pkg, 'package.json'), '{}\n');
      }
    }
  }
  return dir;
}

/** A directory with one trivial app handler. */
export function appHandlerDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'devauth-cdk-app-'));
  made.push(dir);
  writeFileSync(join(dir, 'index.mjs'), 'export const handler = async () => ({ statusCode: 200 });\n');
  return dir;
}

export const ACCOUNT = '123456789012';
export const REGION = 'eu-west-1';

/** The concrete ids a synthesized template's API and identity pool are evaluated with (see `concreteIds`). */
export const API_ID = 'a1b2c3d4e5';
export const POOL_ID = `${REGION}:11111111-2222-3333-4444-555555555555`;

export function newStack(env = true): Stack {
  return new Stack(new App(), 'Test', env ? { env: { account: ACCOUNT, region: REGION } } : {});
}

export function appFunction(stack: Stack, id: string): lambda.Function {
  return new lambda.Function(stack, id, {
    code: lambda.Code.fromAsset(appHandlerDir()),
    handler: 'index.handler',
    runtime: lambda.Runtime.NODEJS_22_X,
  });
}

/** The shop's routes over two app functions. */
export function shopRoutes(stack: Stack): DevauthRoute[] {
  const products = appFunction(stack, 'Products');
  const orders = appFunction(stack, 'Orders');
  return [
    { method: 'GET', path: '/products', roles: ['guest', 'shopper', 'seller'], handler: products },
    { method: 'POST', path: '/products', roles: ['seller'], handler: products },
    { method: 'DELETE', path: '/products/{id}', roles: ['seller'], handler: products },
    { method: 'GET', path: '/orders', roles: ['shopper', 'seller'], handler: orders },
  ];
}

/** A stack with `Devauth` over the shop's routes and a handlers fixture; `props` may depend on the stack. */
export function shopStack(
  kind: 'http' | 'rest',
  props: Partial<DevauthProps> | ((stack: Stack) => Partial<DevauthProps>) = {},
) {
  const stack = newStack();
  const overrides = typeof props === 'function' ? props(stack) : props;
  const devauth = new Devauth(stack, 'Devauth', {
    developerProviderName: 'login.shop.test',
    api: { kind, cors: { allowOrigins: ['https://shop.example.com'] } },
    functions: { handlersAssetDir: handlersFixture() },
    ...overrides,
    routes: overrides.routes ?? shopRoutes(stack),
  });
  return { stack, devauth, template: Template.fromStack(stack) };
}

type Json = unknown;

/**
 * Evaluates the intrinsic functions CDK writes into policies (`Ref`, `Fn::Join`, `Fn::GetAtt`, pseudo parameters)
 * with the given values, so a synthesized document can be compared with what @devauth/access generates for the same
 * concrete ids.
 */
export function evaluate(value: Json, refs: Readonly<Record<string, string>>): Json {
  if (Array.isArray(value)) return value.map((item) => evaluate(item, refs));
  if (typeof value !== 'object' || value === null) return value;
  const record = value as Record<string, Json>;
  if ('Ref' in record) {
    const ref = String(record.Ref);
    const pseudo: Record<string, string> = {
      'AWS::Partition': 'aws',
      'AWS::Region': REGION,
      'AWS::AccountId': ACCOUNT,
      'AWS::URLSuffix': 'amazonaws.com',
    };
    const resolved = pseudo[ref] ?? refs[ref];
    if (resolved === undefined) throw new Error(`evaluate: no value for Ref ${ref}`);
    return resolved;
  }
  if ('Fn::GetAtt' in record) {
    const [id, attribute] = record['Fn::GetAtt'] as [string, string];
    const resolved = refs[`${id}.${attribute}`];
    if (resolved === undefined) throw new Error(`evaluate: no value for GetAtt ${id}.${attribute}`);
    return resolved;
  }
  if ('Fn::Join' in record) {
    const [separator, parts] = record['Fn::Join'] as [string, Json[]];
    return parts.map((part) => evaluate(part, refs)).join(separator);
  }
  return Object.fromEntries(Object.entries(record).map(([key, item]) => [key, evaluate(item, refs)]));
}

/** Logical ids of the resources of a type. */
export function logicalIds(template: Template, type: string): string[] {
  return Object.keys(template.findResources(type));
}

/** The one resource of a type whose logical id contains `part`. */
export function resourceNamed(
  template: Template,
  type: string,
  part: string,
): { id: string; resource: ReturnType<Template['findResources']>[string] } {
  const matches = Object.entries(template.findResources(type)).filter(([id]) => id.includes(part));
  if (matches.length !== 1)
    throw new Error(`expected one ${type} named *${part}*, found ${matches.map(([id]) => id).join(', ') || 'none'}`);
  const [id, resource] = matches[0]!;
  return { id, resource };
}

/** `evaluate`'s values for the template's API and identity pool: API_ID and POOL_ID, by logical id. */
export function concreteIds(template: Template, kind: 'http' | 'rest'): Record<string, string> {
  const api = resourceNamed(
    template,
    kind === 'http' ? 'AWS::ApiGatewayV2::Api' : 'AWS::ApiGateway::RestApi',
    'Devauth',
  );
  const pool = resourceNamed(template, 'AWS::Cognito::IdentityPool', 'Devauth');
  return { [api.id]: API_ID, [pool.id]: POOL_ID };
}
