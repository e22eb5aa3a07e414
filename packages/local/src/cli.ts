#!/usr/bin/env node
/**
 * devauth-local: starts the identity-pool emulator with one pool and prints what a backend and a client need.
 *
 *   devauth-local [--port 0] [--host 127.0.0.1] [--allowed-host <name>]... [--region us-east-1]
 *                 [--provider login.devauth.local] [--pool-id <region:uuid>] [--no-guests]
 *                 [--link-conflict reject|merge] [--json]
 *   devauth-local --template <cdk.out>/<Stack>.template.json [--dynamodb-endpoint <url>] [--database-url <url>]
 *                 [--gateway-port 0] [--node <path>] [--module-dir <dir>]... [--json]
 */
import { parseArgs } from 'node:util';
import { startIdentityPoolEmulator } from './identity-pool/emulator.js';
import type { LinkConflictBehaviour } from './identity-pool/store.js';
import { startTemplateApp } from './template/run-template.js';

const USAGE = `Usage: devauth-local [options]

Starts a local Amazon Cognito identity-pool emulator (AWS JSON 1.1 wire protocol) with one identity pool.

Options:
  --port <n>               Port to listen on (default 0: a free port)
  --host <addr>            Address to bind (default 127.0.0.1: loopback only)
  --allowed-host <name>    A Host name to serve besides localhost, 127.0.0.1 and [::1] (repeatable); requests
                           naming any other host are refused (DNS-rebinding protection)
  --region <region>        Region prefix of pool and identity ids (default us-east-1)
  --provider <name>        The pool's DeveloperProviderName (default login.devauth.local)
  --pool-id <id>           A fixed identity pool id, e.g. us-east-1:00000000-0000-4000-8000-000000000000
  --pool-name <name>       Identity pool name (default devauth-local)
  --no-guests              Disallow unauthenticated (guest) identities
  --link-conflict <mode>   reject (DeveloperUserAlreadyRegisteredException, default) or merge
  --json                   Print one JSON line instead of text
  -h, --help               Show this help

Serving a synthesized CDK stack (its API, functions, identity pool and role policies) instead:
  --template <file>        <cdk.out>/<Stack>.template.json, as cdk synth wrote it
  --dynamodb-endpoint <u>  A local DynamoDB (e.g. DynamoDB Local) for the template's tables
  --database-url <url>     A local PostgreSQL (postgres://...) for functions whose store is PostgreSQL, instead of
                           the deployed secret and proxy; the stack's migrations run against it first
  --gateway-port <n>       Port of the API (default 0: a free port)
  --node <path>            Node.js binary the functions run on (e.g. a Node 24 build for nodejs24.x)
  --module-dir <dir>       Where imports a function's bundle leaves out (the AWS SDK, which the Lambda runtime
                           provides) are resolved from (repeatable; default: the working directory)
`;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string', default: '0' },
      host: { type: 'string', default: '127.0.0.1' },
      'allowed-host': { type: 'string', multiple: true, default: [] },
      region: { type: 'string', default: 'us-east-1' },
      provider: { type: 'string' },
      'pool-id': { type: 'string' },
      'pool-name': { type: 'string' },
      'no-guests': { type: 'boolean', default: false },
      'link-conflict': { type: 'string', default: 'reject' },
      json: { type: 'boolean', default: false },
      template: { type: 'string' },
      'dynamodb-endpoint': { type: 'string' },
      'database-url': { type: 'string' },
      'gateway-port': { type: 'string', default: '0' },
      node: { type: 'string' },
      'module-dir': { type: 'string', multiple: true, default: [] },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const port = portOption(values.port, '--port');
  if (values.template !== undefined) {
    await serveTemplate(values.template, {
      port,
      gatewayPort: portOption(values['gateway-port'], '--gateway-port'),
      dynamodbEndpoint: values['dynamodb-endpoint'],
      databaseUrl: values['database-url'],
      node: values.node,
      moduleDirs: values['module-dir'],
      json: values.json,
    });
    return;
  }
  const linkConflict = values['link-conflict'];
  if (linkConflict !== 'reject' && linkConflict !== 'merge') {
    throw new Error(`Invalid --link-conflict: ${linkConflict} (expected reject or merge)`);
  }

  const emulator = await startIdentityPoolEmulator({
    port,
    host: values.host,
    allowedHosts: values['allowed-host'],
    region: values.region,
    linkConflict: linkConflict as LinkConflictBehaviour,
  });
  // Handlers first: whoever reads the summary may signal right away.
  let stopping = false;
  const shutdown = (signal: NodeJS.Signals): void => {
    if (stopping) return;
    stopping = true;
    emulator.stop().then(
      () => {
        if (!values.json) console.log(`devauth-local stopped (${signal}).`);
        process.exit(0);
      },
      (error: unknown) => {
        console.error('devauth-local: error while stopping:', error);
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);

  let pool: ReturnType<typeof emulator.createPool>;
  try {
    pool = emulator.createPool({
      identityPoolId: values['pool-id'],
      identityPoolName: values['pool-name'],
      developerProviderName: values.provider,
      allowUnauthenticatedIdentities: !values['no-guests'],
    });
  } catch (error) {
    await emulator.stop();
    throw error;
  }

  const summary = {
    endpoint: emulator.endpoint,
    region: emulator.region,
    identityPoolId: pool.identityPoolId,
    developerProviderName: pool.developerProviderName,
    allowUnauthenticatedIdentities: pool.allowUnauthenticatedIdentities,
    jwksUri: emulator.jwksUri,
  };
  if (values.json) {
    console.log(JSON.stringify(summary));
  } else {
    console.log(
      [
        'devauth-local identity-pool emulator',
        `  endpoint:           ${summary.endpoint}`,
        `  region:             ${summary.region}`,
        `  identity pool id:   ${summary.identityPoolId}`,
        `  developer provider: ${summary.developerProviderName}`,
        `  guests:             ${summary.allowUnauthenticatedIdentities ? 'allowed' : 'refused'}`,
        `  jwks:               ${summary.jwksUri}`,
        'Press Ctrl+C to stop.',
      ].join('\n'),
    );
  }
}

function portOption(value: string, name: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new Error(`Invalid ${name}: ${value}`);
  return port;
}

interface TemplateCliOptions {
  readonly port: number;
  readonly gatewayPort: number;
  readonly dynamodbEndpoint: string | undefined;
  readonly databaseUrl: string | undefined;
  readonly node: string | undefined;
  readonly moduleDirs: readonly string[];
  readonly json: boolean;
}

/** `--template`: the synthesized stack served locally until Ctrl+C. */
async function serveTemplate(template: string, options: TemplateCliOptions): Promise<void> {
  const app = await startTemplateApp({
    template,
    gatewayPort: options.gatewayPort,
    emulator: { port: options.port },
    ...(options.dynamodbEndpoint ? { dynamodb: { endpoint: options.dynamodbEndpoint } } : {}),
    ...(options.databaseUrl ? { postgres: { url: options.databaseUrl } } : {}),
    ...(options.node ? { node: options.node } : {}),
    ...(options.moduleDirs.length ? { moduleFallbackDirs: options.moduleDirs } : {}),
  });
  let stopping = false;
  const shutdown = (signal: NodeJS.Signals): void => {
    if (stopping) return;
    stopping = true;
    app.stop().then(
      () => {
        if (!options.json) console.log(`devauth-local stopped (${signal}).`);
        process.exit(0);
      },
      (error: unknown) => {
        console.error('devauth-local: error while stopping:', error);
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
  const summary = {
    apiUrl: app.endpoint,
    apiKind: app.apiKind,
    stage: app.stage,
    region: app.region,
    identityPoolId: app.identityPoolId,
    developerProviderName: app.developerProviderName,
    cognitoEndpoint: app.emulator.endpoint,
    tables: app.tables,
  };
  if (options.json) {
    console.log(JSON.stringify(summary));
    return;
  }
  console.log(
    [
      `devauth-local: ${template}`,
      `  API (${app.apiKind}, stage ${app.stage}): ${app.endpoint}`,
      `  identity pool:      ${app.identityPoolId} (${app.developerProviderName ?? 'no developer provider'})`,
      `  Cognito endpoint:   ${app.emulator.endpoint}`,
      `  region:             ${app.region}`,
      ...app.routes.map((route) => `  ${route.auth.padEnd(8)} ${route.method} ${route.path}`),
      'Press Ctrl+C to stop.',
    ].join('\n'),
  );
}

main().catch((error: unknown) => {
  console.error(`devauth-local: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
});
