/**
 * `devauth.config.ts`: the app's routes for `devauth dev`, each with the roles that may call it and the module of
 * its handler. The file is loaded with tsx (TypeScript, ESM or CommonJS), checked here, and loaded again, with every
 * local module it imports, whenever one of them changes.
 */
import { existsSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { HTTP_METHODS, type HttpMethod } from '@devauth/access';
import type { DevauthConfigInput, MessageLinks } from '@devauth/core';
import { z } from 'zod';
import type { AppRoute } from '../app-routes.js';
import { DevServerError } from './errors.js';

export interface DevRouteConfig {
  readonly method: HttpMethod;
  /** An API Gateway path template, e.g. `/products/{id}`. */
  readonly path: string;
  /** Roles that may call it (the access table's row: the gateway's IAM policies and the guard come from it). */
  readonly roles: readonly string[];
  /** The handler's module, relative to the config file, e.g. `./handlers/products.ts`. */
  readonly handler: string;
  /** The module's export that handles the route: an `AppRoute` handler, `({ caller, event }) => response`. Default `handler`. */
  readonly export?: string;
  /** The proxy event's payload version. Default `'v2'` (HTTP API). */
  readonly payload?: 'v1' | 'v2';
}

export interface DevConfig {
  readonly routes: readonly DevRouteConfig[];
  /** Roles that may call `GET /me` (see `LocalStackOptions.meRoles`). Default guest, shopper, seller, admin. */
  readonly meRoles?: readonly string[];
  /** The core's settings (roles, token duration, throttling, ...). */
  readonly config?: DevauthConfigInput;
  /** Links the messages of the outbox carry (`{token}` is replaced), e.g. the web app's reset page. */
  readonly links?: MessageLinks;
  /** Whether guests get identities. Default true. */
  readonly allowGuests?: boolean;
}

/** Types a config file's default export (it returns what it is given). */
export function defineDevConfig(config: DevConfig): DevConfig {
  return config;
}

/** The names `devauth dev` looks for in the working directory, in this order. */
export const DEV_CONFIG_FILES = ['devauth.config.ts', 'devauth.config.mts', 'devauth.config.mjs', 'devauth.config.js'];

const routeSchema = z.strictObject({
  method: z.enum(HTTP_METHODS as unknown as [HttpMethod, ...HttpMethod[]]),
  path: z.string().startsWith('/', 'must be a path template such as /products/{id}'),
  roles: z.array(z.string().min(1)).min(1),
  handler: z.string().min(1),
  export: z.string().min(1).optional(),
  payload: z.enum(['v1', 'v2']).optional(),
});

const configSchema = z.strictObject({
  routes: z.array(routeSchema),
  meRoles: z.array(z.string().min(1)).min(1).optional(),
  config: z.record(z.string(), z.unknown()).optional(),
  links: z.strictObject({ passwordReset: z.string().optional(), emailVerification: z.string().optional() }).optional(),
  allowGuests: z.boolean().optional(),
});

/** A config with its handlers loaded, and every local file that went into it (the files to watch). */
export interface LoadedDevApp {
  readonly configFile: string;
  readonly config: DevConfig;
  readonly routes: readonly AppRoute[];
  readonly files: readonly string[];
  /** Drops this generation's module loader (after the next one took over). */
  release(): Promise<void>;
}

/** The config file named, or the first of DEV_CONFIG_FILES in `cwd`. */
export function findDevConfig(cwd: string, file?: string): string {
  if (file !== undefined) {
    const path = isAbsolute(file) ? file : resolve(cwd, file);
    if (!existsSync(path)) throw new DevServerError(`The config file ${path} does not exist.`);
    return path;
  }
  for (const name of DEV_CONFIG_FILES) {
    const path = join(cwd, name);
    if (existsSync(path)) return path;
  }
  throw new DevServerError(
    `No ${DEV_CONFIG_FILES[0]} in ${cwd}: write one (see the @devauth/dev README) or name it with --config.`,
  );
}

/**
 * Loads `configFile` and its handlers in a module namespace of their own (`generation`): a later generation
 * evaluates every local module again, so edited handlers take effect, while node_modules are shared.
 */
export async function loadDevApp(configFile: string, generation: number): Promise<LoadedDevApp> {
  const { register } = await import('tsx/esm/api');
  const files = new Set<string>();
  const loader = register({
    namespace: `devauth-dev-${generation}`,
    onImport: (url) => {
      if (url.startsWith('file:') && !url.includes('/node_modules/')) files.add(new URL(url).pathname);
    },
  });
  const parent = pathToFileURL(configFile).href;
  try {
    const module = await importOrExplain(() => loader.import(parent, parent), configFile);
    const exported = (module as { default?: unknown }).default;
    const parsed = configSchema.safeParse(
      // A CommonJS config's module.exports arrives as `default`, possibly wrapped once more by the loader.
      (exported as { default?: unknown } | undefined)?.default ?? exported,
    );
    if (!parsed.success) {
      const problems = parsed.error.issues.map((issue) => `${issue.path.join('.') || '(file)'}: ${issue.message}`);
      throw new DevServerError(`${configFile} is not a valid devauth dev config:\n  ${problems.join('\n  ')}`);
    }
    const config = parsed.data as DevConfig;
    const routes: AppRoute[] = [];
    for (const [index, route] of config.routes.entries()) {
      const file = resolve(dirname(configFile), route.handler);
      const name = route.export ?? 'handler';
      const handlerModule = await importOrExplain(() => loader.import(pathToFileURL(file).href, parent), file);
      const handler = (handlerModule as Record<string, unknown>)[name];
      if (typeof handler !== 'function') {
        throw new DevServerError(
          `${configFile}: routes.${index} (${route.method} ${route.path}): ${file} has no function export "${name}".`,
        );
      }
      routes.push({
        method: route.method,
        path: route.path,
        roles: route.roles,
        ...(route.payload ? { payload: route.payload } : {}),
        handler: handler as AppRoute['handler'],
      });
    }
    return { configFile, config, routes, files: [...files], release: () => loader.unregister() };
  } catch (error) {
    await loader.unregister();
    throw error;
  }
}

async function importOrExplain(load: () => Promise<unknown>, file: string): Promise<unknown> {
  try {
    return await load();
  } catch (error) {
    if (error instanceof DevServerError) throw error;
    const message = error instanceof Error ? error.message.split('\n')[0] : String(error);
    // Reloading needs ES modules (a CommonJS module is cached once for the whole process), and tsx maps `./x.js` to
    // `./x.ts` only there: the usual cause of a "Cannot find module './x.js'" in a package without "type".
    const hint =
      (error as NodeJS.ErrnoException).code === 'MODULE_NOT_FOUND'
        ? ' (devauth dev loads the config and handlers as ES modules: set "type": "module" in their package.json, or name them .mts)'
        : '';
    throw new DevServerError(`${file} could not be loaded: ${message}${hint}`, { cause: error });
  }
}
