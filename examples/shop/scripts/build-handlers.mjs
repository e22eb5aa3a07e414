#!/usr/bin/env node
// Bundles the shop's handlers into dist/handlers/<name>/index.mjs (handler: index.handler), the prebuilt directories
// the stack deploys with lambda.Code.fromAsset: synthesis then needs no Docker and no network.
import { rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
export const HANDLERS = ['products', 'orders'];

export async function buildHandlers(outRoot = join(root, 'dist', 'handlers')) {
  rmSync(outRoot, { recursive: true, force: true });
  for (const name of HANDLERS) {
    await build({
      entryPoints: { index: join(root, 'handlers', `${name}.ts`) },
      outdir: join(outRoot, name),
      bundle: true,
      // The guard's store adapter and driver are dynamic imports: in chunks, loaded only for the store deployed.
      splitting: true,
      chunkNames: 'chunks/[name]-[hash]',
      minify: true,
      platform: 'node',
      target: 'node22',
      format: 'esm',
      outExtension: { '.js': '.mjs' },
      // Workspace packages from their TypeScript sources; the SDK is in the Lambda runtime; the guard never hashes.
      conditions: ['@devauth/source'],
      mainFields: ['module', 'main'],
      external: ['@aws-sdk/*', '@node-rs/*', '@electric-sql/pglite', '@devauth/core/testing', 'pg-native'],
      banner: {
        js: "import { createRequire as __shopRequire } from 'node:module'; const require = __shopRequire(import.meta.url);",
      },
      legalComments: 'none',
      logLevel: 'warning',
    });
  }
  return outRoot;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await buildHandlers();
