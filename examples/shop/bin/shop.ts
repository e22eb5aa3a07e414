#!/usr/bin/env node
// The shop's CDK app. `pnpm synth` (in examples/shop) builds the shop's handlers and runs `cdk synth` on this file;
// synthesis is offline (no lookups, no Docker). Context: `handlersAssetDir` (other auth-handler bundles),
// `appHandlersDir` (other shop handler bundles), `apiKind` (`rest` for a REST API instead of the HTTP API).
import { App } from 'aws-cdk-lib';
import { ShopStack } from '../lib/shop-stack.js';

const app = new App();
const handlersAssetDir: unknown = app.node.tryGetContext('handlersAssetDir');
const appHandlersDir: unknown = app.node.tryGetContext('appHandlersDir');
const apiKind: unknown = app.node.tryGetContext('apiKind');
new ShopStack(app, 'DevauthShop', {
  description: 'devauth example shop: Cognito developer identities, IAM-checked API, Lambda, DynamoDB',
  ...(typeof handlersAssetDir === 'string' ? { handlersAssetDir } : {}),
  ...(typeof appHandlersDir === 'string' ? { appHandlersDir } : {}),
  ...(apiKind === 'rest' || apiKind === 'http' ? { apiKind } : {}),
});
app.synth();
