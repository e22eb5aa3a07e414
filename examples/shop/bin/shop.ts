#!/usr/bin/env node
// The shop's CDK app. `pnpm synth` (in examples/shop) builds the shop's handlers and runs `cdk synth` on this file;
// synthesis is offline (no lookups, no Docker). Context: `handlersAssetDir` (other auth-handler bundles),
// `appHandlersDir` (other shop handler bundles), `apiKind` (`rest` for a REST API instead of the HTTP API),
// `store` (`postgres` for PostgreSQL on RDS behind an RDS Proxy instead of DynamoDB), `sesFrom` + `sesIdentity`
// (password-reset and email-verification messages through Amazon SES).
import { App } from 'aws-cdk-lib';
import { ShopStack } from '../lib/shop-stack.js';

const app = new App();
const handlersAssetDir: unknown = app.node.tryGetContext('handlersAssetDir');
const appHandlersDir: unknown = app.node.tryGetContext('appHandlersDir');
/** A context value among `allowed`, or undefined when unset; a typo fails the synth instead of deploying the default. */
function choice<T extends string>(name: string, allowed: readonly T[]): T | undefined {
  const value: unknown = app.node.tryGetContext(name);
  if (value === undefined) return undefined;
  if (allowed.includes(value as T)) return value as T;
  throw new Error(`context ${name} must be one of ${allowed.join(', ')}; got ${JSON.stringify(value)}`);
}
const apiKind = choice('apiKind', ['http', 'rest'] as const);
const store = choice('store', ['dynamodb', 'postgres'] as const);
// `sesFrom` and `sesIdentity` (an SES-verified address or domain) turn on password-reset and verification messages.
const sesFrom: unknown = app.node.tryGetContext('sesFrom');
const sesIdentity: unknown = app.node.tryGetContext('sesIdentity');
if ((sesFrom === undefined) !== (sesIdentity === undefined)) {
  throw new Error('context sesFrom and sesIdentity go together (the sender and the SES identity it is verified under)');
}
new ShopStack(app, 'DevauthShop', {
  description: `devauth example shop: Cognito developer identities, IAM-checked API, Lambda, ${store === 'postgres' ? 'PostgreSQL on RDS' : 'DynamoDB'}`,
  ...(typeof handlersAssetDir === 'string' ? { handlersAssetDir } : {}),
  ...(typeof appHandlersDir === 'string' ? { appHandlersDir } : {}),
  ...(apiKind ? { apiKind } : {}),
  ...(store ? { store } : {}),
  ...(typeof sesFrom === 'string' && typeof sesIdentity === 'string'
    ? { ses: { from: sesFrom, identity: sesIdentity } }
    : {}),
});
app.synth();
