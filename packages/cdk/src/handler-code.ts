import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { DevauthConstructError } from './errors.js';
import type { AuthRoute } from './routes.js';

/** Node.js runtimes the handlers support (their bundles target Node 20+; Lambda's current ones are offered). */
export type DevauthRuntime = 'nodejs24.x' | 'nodejs22.x';
export type DevauthArchitecture = 'arm64' | 'x86_64';

/** `Runtime.NODEJS_24_X` where this aws-cdk-lib has it (2.186 does not), else the same runtime by name. */
export function lambdaRuntime(runtime: DevauthRuntime): lambda.Runtime {
  if (runtime === 'nodejs22.x') return lambda.Runtime.NODEJS_22_X;
  const known = (lambda.Runtime as unknown as { NODEJS_24_X?: lambda.Runtime }).NODEJS_24_X;
  return known ?? new lambda.Runtime('nodejs24.x', lambda.RuntimeFamily.NODEJS, { supportsInlineCode: true });
}

export function lambdaArchitecture(architecture: DevauthArchitecture): lambda.Architecture {
  return architecture === 'x86_64' ? lambda.Architecture.X86_64 : lambda.Architecture.ARM_64;
}

/**
 * The routes that hash or verify passwords (register, login, and the account routes that set or re-check one), hence load `@node-rs/argon2` (and `@node-rs/bcrypt` for legacy hashes).
 * Those native addons are not bundled (a `.node` file per platform): they must sit in the route's `node_modules`.
 */
const HASHING_ROUTES: readonly AuthRoute[] = [
  'register',
  'login',
  'passwordReset',
  'changePassword',
  'deleteAccount',
  'changeEmail',
];
const ADDON_PLATFORM: Readonly<Record<DevauthArchitecture, string>> = {
  arm64: 'linux-arm64-gnu',
  x86_64: 'linux-x64-gnu',
};

/**
 * The default `handlersAssetDir`: `bundle/` of the `@devauth/lambda-handlers` package that the directory `cdk` runs
 * in resolves (`pnpm bundle` writes it there). Resolved from the working directory rather than from this file because
 * this package ships as ESM and CommonJS from one source, and only the working directory is known to both.
 * Returns undefined when the package cannot be resolved.
 */
export function defaultHandlersAssetDir(cwd: string = process.cwd()): string | undefined {
  try {
    const manifest = createRequire(join(cwd, 'package.json')).resolve('@devauth/lambda-handlers/package.json');
    return join(dirname(manifest), 'bundle');
  } catch {
    return undefined;
  }
}

export interface HandlerCodeOptions {
  readonly architecture: DevauthArchitecture;
  /** Check that hashing routes carry the argon2 addon for the architecture (default true). */
  readonly verifyNativeAddons: boolean;
  /** Called for missing optional pieces (the bcrypt addon), e.g. to add a synth warning. */
  readonly warn: (message: string) => void;
}

/**
 * `lambda.Code.fromAsset(<dir>/<route>)` after checking, at synth time and offline, that the prebuilt bundle is
 * there: `index.mjs` (handler `index.handler`) and, for register and login, the argon2 addon built for the
 * function's architecture. A missing addon would otherwise deploy fine and fail every login with a 500.
 */
export function handlerCode(
  scope: { readonly node: { readonly path: string } },
  assetDir: string,
  route: AuthRoute | 'migrate',
  options: HandlerCodeOptions,
): lambda.Code {
  const dir = resolve(assetDir, route);
  if (!existsSync(join(dir, 'index.mjs'))) {
    throw new DevauthConstructError(
      scope.node.path,
      `no handler bundle at ${join(dir, 'index.mjs')}. Run \`pnpm bundle\` (packages/lambda-handlers/scripts/bundle.mjs) ` +
        'or point handlersAssetDir at a directory with one <route>/index.mjs per route.',
    );
  }
  if (options.verifyNativeAddons && (HASHING_ROUTES as readonly string[]).includes(route)) {
    const platform = ADDON_PLATFORM[options.architecture];
    const addon = (name: string) => join(dir, 'node_modules', '@node-rs', `${name}-${platform}`);
    if (!existsSync(addon('argon2')) || !existsSync(join(dir, 'node_modules', '@node-rs', 'argon2'))) {
      throw new DevauthConstructError(
        scope.node.path,
        `the ${route} bundle has no @node-rs/argon2 addon for ${options.architecture} (${addon('argon2')}): ` +
          `every ${route} would fail. Install it (pnpm-workspace.yaml supportedArchitectures lists linux x64 and ` +
          'arm64) and rebuild the bundle, choose the architecture whose addon is there, or set verifyNativeAddons: ' +
          'false if your asset provides it another way (a layer).',
      );
    }
    if (!existsSync(addon('bcrypt'))) {
      options.warn(
        `the ${route} bundle has no @node-rs/bcrypt addon for ${options.architecture}: ` +
          'verifying legacy bcrypt hashes would fail (argon2id hashes are unaffected).',
      );
    }
  }
  return lambda.Code.fromAsset(dir);
}
