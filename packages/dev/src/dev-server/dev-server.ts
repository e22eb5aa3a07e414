/**
 * `startDevServer`: the app's local server. One local stack (identity-pool emulator, gateway, handlers, the app's
 * routes behind the guard) over stores that outlive it (PGlite in the data directory, or memory), the outbox at a
 * URL, and a file a web build reads its settings from. When a file the config loaded changes, the app is loaded
 * again: new handlers take over in place, and a changed route table restarts the stack on the same ports, over the
 * same store and identities.
 */
import { type FSWatcher, mkdirSync, watch, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { type DevauthDependencies, InMemoryOutbox } from '@devauth/core';
import { EmulatorStateError, startIdentityPoolEmulator } from '@devauth/local';
import type { AppRoute } from '../app-routes.js';
import { LOCAL_BACKEND_CREDENTIALS, type LocalStack, startLocalStack } from '../local-stack.js';
import { findDevConfig, type LoadedDevApp, loadDevApp } from './dev-config.js';
import { type DevStoreKind, openDevStore } from './dev-store.js';
import { DevServerError } from './errors.js';
import { portInUse } from './listen.js';
import { type OutboxServer, startOutboxServer } from './outbox-server.js';

export interface DevServerOptions {
  /** Where the config file is looked for and the data directory goes. Default: the process's working directory. */
  readonly cwd?: string;
  /** The config file. Default: the first of DEV_CONFIG_FILES in `cwd`. */
  readonly configFile?: string;
  /** Default `pglite`, persisted in `dataDir`. */
  readonly store?: DevStoreKind;
  /** Default `<cwd>/.devauth`. */
  readonly dataDir?: string;
  /** The API (gateway) port. Default 0: a free port. */
  readonly port?: number;
  /** The identity-pool emulator's port. Default 0. */
  readonly emulatorPort?: number;
  /** The outbox page's port. Default 0. */
  readonly outboxPort?: number;
  /** Where the settings a front end needs are written as JSON. Default `<dataDir>/dev-server.json`. */
  readonly infoFile?: string;
  /** Reload when a loaded file changes. Default true. */
  readonly watch?: boolean;
  /** Default `us-east-1`. */
  readonly region?: string;
  /** What happened (reloads, reload errors), a line at a time. Default: dropped. */
  readonly log?: (line: string) => void;
  /** Replaces the core's hasher and the like (tests use cheap hashes). */
  readonly devauth?: Pick<DevauthDependencies, 'hasher' | 'commonPasswords' | 'clock'>;
}

/** What a front end needs to talk to the server: written to `infoFile`. */
export interface DevServerInfo {
  readonly apiUrl: string;
  readonly region: string;
  readonly identityPoolId: string;
  readonly developerProviderName: string;
  /** The identity-pool emulator: the client's Cognito endpoint. */
  readonly cognitoEndpoint: string;
  readonly outboxUrl: string;
  readonly store: DevStoreKind;
  readonly dataDir: string;
  readonly configFile: string;
  readonly routes: readonly { readonly method: string; readonly path: string; readonly roles: readonly string[] }[];
}

export interface DevServer {
  readonly info: DevServerInfo;
  readonly infoFile: string;
  /** The stack serving now (it is replaced when the route table changes). */
  readonly stack: LocalStack;
  readonly outbox: InMemoryOutbox;
  /** Loads the config and handlers again now (what a file change does). Resolves when the new ones serve. */
  reload(): Promise<void>;
  /** Stops everything it started and releases the data directory. Idempotent. */
  stop(): Promise<void>;
}

/** A fixed pool id, so a front end's settings and the saved identities stay valid across restarts. */
const IDENTITY_POOL_UUID = '00000000-0000-4000-8000-00000000de70';

export async function startDevServer(options: DevServerOptions = {}): Promise<DevServer> {
  const cwd = resolve(options.cwd ?? process.cwd());
  const configFile = findDevConfig(cwd, options.configFile);
  const dataDir = resolve(cwd, options.dataDir ?? '.devauth');
  const kind = options.store ?? 'pglite';
  const region = options.region ?? 'us-east-1';
  const identityPoolId = `${region}:${IDENTITY_POOL_UUID}`;
  const infoFile = resolve(cwd, options.infoFile ?? join(dataDir, 'dev-server.json'));
  const log = options.log ?? (() => undefined);

  // The config first: a bad one fails before any port or the data directory is taken.
  let generation = 0;
  let app = await loadDevApp(configFile, generation);
  const stops: Array<() => Promise<void> | void> = [() => app.release()];
  const stopAll = async () => {
    for (const step of stops.splice(0).reverse()) await step();
  };
  try {
    const store = await openDevStore(kind, dataDir);
    stops.push(() => store.close());
    const outbox = new InMemoryOutbox({ links: app.config.links ?? {} });
    // The handlers each route calls, swapped in place by a reload that keeps the route table.
    let handlers = app.routes.map((route) => route.handler);
    const delegating = (routes: readonly AppRoute[]): AppRoute[] =>
      routes.map((route, index) => ({ ...route, handler: (request) => handlers[index]!(request) }));

    // One emulator for the server's life: a restarted stack keeps the identities and the credentials clients hold.
    const emulator = await startIdentityPoolEmulator({
      region,
      backendCredentials: LOCAL_BACKEND_CREDENTIALS,
      port: options.emulatorPort ?? 0,
      // The identities live with the users they are linked to: in the data directory with PGlite, nowhere else.
      ...(kind === 'pglite' ? { stateFile: join(dataDir, 'identity-pool.json') } : {}),
    }).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'EADDRINUSE') throw portInUse(options.emulatorPort ?? 0, '--emulator-port');
      if (error instanceof EmulatorStateError) throw new DevServerError(error.message, { cause: error });
      throw error;
    });
    stops.push(() => emulator.stop());
    const startStack = async (loaded: LoadedDevApp, ports: { gateway: number }) => {
      try {
        return await startLocalStack({
          stores: store.stores,
          routes: delegating(loaded.routes),
          ...(loaded.config.meRoles ? { meRoles: loaded.config.meRoles } : {}),
          ...(loaded.config.config ? { config: loaded.config.config } : {}),
          ...(loaded.config.allowGuests === undefined ? {} : { allowGuests: loaded.config.allowGuests }),
          ...(options.devauth ? { devauth: options.devauth } : {}),
          identityPoolId,
          messages: outbox,
          region,
          gatewayPort: ports.gateway,
          runningEmulator: emulator,
        });
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') throw portInUse(ports.gateway, '--port');
        if (error instanceof DevServerError) throw error;
        throw new DevServerError(`${loaded.configFile} cannot be served: ${(error as Error).message}`, {
          cause: error,
        });
      }
    };
    let stack = await startStack(app, { gateway: options.port ?? 0 });
    stops.push(() => stack.stop());
    // Later stacks reuse the port the first one got: the front end's settings stay right.
    const ports = { gateway: stack.gateway.port };
    const outboxServer: OutboxServer = await startOutboxServer(outbox, options.outboxPort ?? 0);
    stops.push(() => outboxServer.stop());

    const describe = (): DevServerInfo => ({
      apiUrl: stack.endpoint,
      region,
      identityPoolId,
      developerProviderName: stack.developerProviderName,
      cognitoEndpoint: stack.emulator.endpoint,
      outboxUrl: outboxServer.url,
      store: kind,
      dataDir,
      configFile,
      routes: app.routes.map(({ method, path, roles }) => ({ method, path, roles })),
    });
    let info = describe();
    const writeInfo = () => {
      mkdirSync(dirname(infoFile), { recursive: true });
      writeFileSync(infoFile, `${JSON.stringify(info, null, 2)}\n`);
    };
    writeInfo();

    let reloading: Promise<void> = Promise.resolve();
    const reloadNow = async () => {
      const next = await loadDevApp(configFile, ++generation);
      if (routeTable(next) === routeTable(app)) {
        handlers = next.routes.map((route) => route.handler);
        await app.release();
        app = next;
        log(`reloaded ${next.files.length} file(s): the handlers changed, the routes did not`);
      } else {
        await stack.stop();
        const previous = app;
        app = next;
        handlers = next.routes.map((route) => route.handler);
        try {
          stack = await startStack(next, ports);
        } catch (error) {
          // Back to the routes that served, so the server keeps answering while the config is fixed.
          app = previous;
          handlers = previous.routes.map((route) => route.handler);
          stack = await startStack(previous, ports);
          await next.release();
          throw error;
        }
        await previous.release();
        log(`reloaded: the route table changed, the stack restarted on the same ports`);
      }
      info = describe();
      writeInfo();
      watchFiles();
    };
    const reload = () => {
      reloading = reloading.then(reloadNow, reloadNow);
      return reloading;
    };

    let watchers: FSWatcher[] = [];
    let pending: NodeJS.Timeout | undefined;
    const watchFiles = () => {
      for (const watcher of watchers) watcher.close();
      if (options.watch === false) return;
      watchers = [configFile, ...app.files].map((file) =>
        watch(file, () => {
          // Editors write a file in several steps: one reload for a burst of events.
          clearTimeout(pending);
          pending = setTimeout(() => {
            reload().catch((error: Error) =>
              log(`reload failed, still serving the previous version: ${error.message}`),
            );
          }, 100);
        }),
      );
    };
    watchFiles();
    stops.push(() => {
      clearTimeout(pending);
      for (const watcher of watchers) watcher.close();
    });

    let stopped: Promise<void> | undefined;
    return {
      get info() {
        return info;
      },
      infoFile,
      get stack() {
        return stack;
      },
      outbox,
      reload,
      stop: () => {
        stopped ??= reloading.catch(() => undefined).then(stopAll);
        return stopped;
      },
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}

/**
 * What makes the access table and the stack: routes with their roles, and the core's settings. (`links` are read
 * once, at start: the outbox, which keeps its messages across reloads, renders with them; `allowGuests` too: it is a
 * setting of the pool, which outlives the stack.)
 */
function routeTable(app: LoadedDevApp): string {
  const { meRoles, config } = app.config;
  const routes = app.routes.map(({ method, path, roles, payload }) => ({ method, path, roles, payload }));
  return JSON.stringify({ routes, meRoles, config });
}
