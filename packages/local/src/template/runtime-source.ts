/**
 * The code a function's process runs, as source text: the offline stand-in for the Lambda Node.js runtime's
 * bootstrap. Kept as strings (run with `node --input-type=module --eval`, the hook registered as a `data:` URL) so the
 * ESM and CommonJS builds of this package need no file beside them.
 */

/**
 * A resolve hook: a bare import the function's code does not carry (the Lambda runtime provides the AWS SDK, and
 * bundles leave `@aws-sdk/*` external) is looked up from the fallback directories instead, as it would be from the
 * runtime's own node_modules.
 */
export const RESOLVE_HOOK_SOURCE = `
let fallbacks = [];
export function initialize(data) { fallbacks = (data && data.fallbacks) || []; }
export async function resolve(specifier, context, nextResolve) {
  try {
    return await nextResolve(specifier, context);
  } catch (error) {
    const bare = !/^(\\.|\\/|[a-zA-Z][a-zA-Z0-9+.-]*:)/.test(specifier);
    if (!bare || !error || error.code !== 'ERR_MODULE_NOT_FOUND') throw error;
    for (const parentURL of fallbacks) {
      try { return await nextResolve(specifier, { ...context, parentURL }); } catch {}
    }
    throw error;
  }
}
`;

/**
 * The bootstrap: loads the handler on the first invocation (a cold start, as in Lambda: an import error is that
 * invocation's error), then answers each invocation message with the handler's JSON result or its error. It exits
 * when the runner goes away (the IPC channel closes).
 */
export const RUNTIME_SOURCE = `
import { register } from 'node:module';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const config = JSON.parse(process.argv[1]);
register('data:text/javascript,' + encodeURIComponent(config.hook), 'data:', { data: { fallbacks: config.fallbacks } });
process.on('disconnect', () => process.exit(0));

const dot = config.handler.lastIndexOf('.');
const modulePath = config.handler.slice(0, dot);
const exportName = config.handler.slice(dot + 1);
let loaded;
function loadHandler() {
  loaded ??= (async () => {
    const file = ['.mjs', '.js', '.cjs'].map((ext) => join(config.taskRoot, modulePath + ext)).find((f) => existsSync(f));
    if (!file) throw Object.assign(new Error('Cannot find module ' + modulePath), { name: 'Runtime.ImportModuleError' });
    const mod = await import(pathToFileURL(file).href);
    const handler = mod[exportName] ?? mod.default?.[exportName];
    if (typeof handler !== 'function') {
      throw Object.assign(new Error(modulePath + '.' + exportName + ' is undefined or not exported'), {
        name: 'Runtime.HandlerNotFound',
      });
    }
    return handler;
  })();
  return loaded;
}

process.on('message', async (message) => {
  if (!message || message.type !== 'invoke') return;
  const deadline = Date.now() + message.timeoutMs;
  const context = {
    ...config.context,
    awsRequestId: message.requestId,
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
  };
  try {
    const handler = await loadHandler();
    const result = await handler(message.event, context);
    process.send({ type: 'result', id: message.id, ok: true, result: result === undefined ? null : result });
  } catch (error) {
    const errorType = (error && error.name) || 'Error';
    const errorMessage = (error && error.message) || String(error);
    console.error('ERROR\\tInvoke Error\\t' + JSON.stringify({ errorType, errorMessage, stack: error && error.stack }));
    process.send({ type: 'result', id: message.id, ok: false, error: { errorType, errorMessage } });
  }
});
process.send({ type: 'ready' });
`;
