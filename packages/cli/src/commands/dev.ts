import { once } from 'node:events';
import type { CommandContext } from '../command.js';
import { CliError, UsageError } from '../errors.js';
import { flag, stringOption } from './shared.js';

/**
 * `devauth dev`: the app's local server (startDevServer of @devauth/dev) until Ctrl+C or SIGTERM. What a front end
 * needs is printed and written to the info file; reloads and reload errors are noted on stderr.
 */
export async function run(context: CommandContext): Promise<number> {
  const store = stringOption(context, 'store') ?? 'pglite';
  if (store !== 'pglite' && store !== 'memory') {
    throw new UsageError(`--store must be pglite or memory, not ${store}`, context.name);
  }
  const port = (name: string) => {
    const value = stringOption(context, name);
    if (value === undefined) return undefined;
    if (!/^\d{1,5}$/.test(value) || Number(value) > 65535) {
      throw new UsageError(`--${name} must be a port number (0 to 65535, 0: a free one)`, context.name);
    }
    return Number(value);
  };
  const ports = { port: port('port'), emulatorPort: port('emulator-port'), outboxPort: port('outbox-port') };
  const { startDevServer, DevServerError } = await import('@devauth/dev');
  const configFile = stringOption(context, 'config');
  const dataDir = stringOption(context, 'data-dir');
  const infoFile = stringOption(context, 'info-file');
  let server: Awaited<ReturnType<typeof startDevServer>>;
  try {
    server = await startDevServer({
      cwd: context.io.cwd,
      store,
      ...(configFile === undefined ? {} : { configFile }),
      ...(dataDir === undefined ? {} : { dataDir }),
      ...(infoFile === undefined ? {} : { infoFile }),
      ...Object.fromEntries(Object.entries(ports).filter(([, value]) => value !== undefined)),
      watch: !flag(context, 'no-watch'),
      log: (line) => context.note(`devauth dev: ${line}`),
    });
  } catch (error) {
    if (error instanceof DevServerError) throw new CliError(error.message);
    throw error;
  }
  const { info } = server;
  if (flag(context, 'json')) {
    context.print(JSON.stringify({ ...info, infoFile: server.infoFile }));
  } else {
    context.print(`devauth dev: serving ${info.configFile} (${info.routes.length} app route(s))`);
    context.print(`  API URL            ${info.apiUrl}`);
    context.print(`  identity pool id   ${info.identityPoolId}`);
    context.print(`  region             ${info.region}`);
    context.print(`  Cognito endpoint   ${info.cognitoEndpoint}`);
    context.print(`  outbox             ${info.outboxUrl}`);
    context.print(
      `  store              ${info.store === 'pglite' ? `PGlite in ${info.dataDir}` : 'memory (gone on exit)'}`,
    );
    context.print(`  settings file      ${server.infoFile}`);
    context.print('Ctrl+C stops it.');
  }
  const signal = await Promise.race([once(process, 'SIGINT'), once(process, 'SIGTERM')]);
  context.note(`devauth dev: ${String(signal[0] ?? 'signal')} received, stopping`);
  await server.stop();
  return 0;
}
