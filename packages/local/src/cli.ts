#!/usr/bin/env node
/**
 * devauth-local: starts the identity-pool emulator with one pool and prints what a backend and a client need.
 *
 *   devauth-local [--port 0] [--host 127.0.0.1] [--allowed-host <name>]... [--region us-east-1]
 *                 [--provider login.devauth.local] [--pool-id <region:uuid>] [--no-guests]
 *                 [--link-conflict reject|merge] [--json]
 */
import { parseArgs } from 'node:util';
import { startIdentityPoolEmulator } from './identity-pool/emulator.js';
import type { LinkConflictBehaviour } from './identity-pool/store.js';

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
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new Error(`Invalid --port: ${values.port}`);
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

main().catch((error: unknown) => {
  console.error(`devauth-local: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
});
