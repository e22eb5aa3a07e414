/**
 * The inputs of `pnpm smoke:aws`: its usage text and flags, resolved from flags, then environment variables, then a
 * `cdk deploy --outputs-file` JSON (every problem collected, nothing sent), and where the caller's AWS credentials
 * for the cleanup come from. Entry point: scripts/smoke-aws.ts.
 */
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { fromContainerMetadata, fromEnv, fromIni } from '@aws-sdk/credential-providers';

export const USAGE = `Usage: pnpm smoke:aws [options]

Smoke-tests a deployed devauth stack: guest, register a throwaway user, log in keeping the guest IdentityId, get
AWS credentials, an allowed SigV4 call (GET /me -> 200), a denied one (-> 403), refresh, log out, clean up.

Inputs (a flag wins over its environment variable, which wins over the outputs file):
  --api-url <url>            DEVAUTH_API_URL           the API base URL (auth routes at /auth/*, GET /me)
  --identity-pool-id <id>    DEVAUTH_IDENTITY_POOL_ID  <region>:<guid>
  --region <region>          DEVAUTH_REGION            default: the identity pool id's region prefix
  --outputs <file>           DEVAUTH_OUTPUTS_FILE      a JSON file as \`cdk deploy --outputs-file\` writes it:
                                                       { "<Stack>": { "<OutputKey>": "<value>", ... }, ... }; the
                                                       stack whose output keys contain "ApiUrl" and
                                                       "IdentityPoolId" (and optionally "Region") is used
  --stack <name>             DEVAUTH_STACK             that stack, when several in the file match
Checks:
  --denied-method <method>   default POST              a route of the API that the signed-in (default-role) user
  --denied-path <path>       default /products         may not call: it must answer 403
Cleanup:
  --keep-identities          do not delete the Cognito identities this run creates (then no AWS credentials are
                             needed). Otherwise AWS credentials with cognito-identity:DeleteIdentities on the pool
                             are read from the environment (AWS_ACCESS_KEY_ID, ...), container credentials, or a
                             shared config profile (AWS_PROFILE, ~/.aws); instance metadata is never queried.
Other:
  --timeout <seconds>        whole run, default 120
  --cognito-endpoint <url>   testing only: the Cognito Identity endpoint (e.g. @devauth/local's emulator)
  -h, --help

Exit codes: 0 every check held, 1 a check failed, 2 inputs missing or invalid (nothing was sent).
Nothing secret is printed: no token, password, refresh token, guest link secret or AWS key.`;

const OPTIONS = {
  'api-url': { type: 'string' },
  'identity-pool-id': { type: 'string' },
  region: { type: 'string' },
  outputs: { type: 'string' },
  stack: { type: 'string' },
  'denied-method': { type: 'string' },
  'denied-path': { type: 'string' },
  'keep-identities': { type: 'boolean' },
  timeout: { type: 'string' },
  'cognito-endpoint': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

export interface SmokeInputs {
  readonly apiUrl: string;
  readonly identityPoolId: string;
  readonly region: string;
  readonly deniedMethod: string;
  readonly deniedPath: string;
  readonly keepIdentities: boolean;
  readonly timeoutSeconds: number;
  readonly cognitoEndpoint: string | undefined;
}

export type InputResult =
  | { readonly kind: 'help' }
  | { readonly kind: 'inputs'; readonly inputs: SmokeInputs }
  | { readonly kind: 'problems'; readonly problems: readonly string[] };

export type Env = Readonly<Record<string, string | undefined>>;

const IDENTITY_POOL_ID = /^[\w-]+:[0-9a-f-]+$/;
const REGION = /^[a-z]{2}(-[a-z]+)+-\d+$/;
const METHODS = new Set(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']);
const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** Outputs of the stacks in a `cdk deploy --outputs-file` JSON (or one flat map of outputs). */
function stacksOf(json: unknown): Map<string, Record<string, unknown>> {
  const stacks = new Map<string, Record<string, unknown>>();
  if (json === null || typeof json !== 'object' || Array.isArray(json)) return stacks;
  const entries = Object.entries(json as Record<string, unknown>);
  if (entries.length > 0 && entries.every(([, value]) => typeof value === 'string')) {
    stacks.set('(top level)', json as Record<string, unknown>);
    return stacks;
  }
  for (const [name, value] of entries) {
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
      stacks.set(name, value as Record<string, unknown>);
    }
  }
  return stacks;
}

/** The output whose key contains `needle` (case-insensitive); an exact key wins over several partial ones. */
function outputNamed(
  outputs: Record<string, unknown>,
  needle: string,
): { value?: string; problem?: string } | undefined {
  const keys = Object.keys(outputs).filter((key) => key.toLowerCase().includes(needle.toLowerCase()));
  const exact = keys.filter((key) => key.toLowerCase() === needle.toLowerCase());
  const chosen = exact.length === 1 ? exact : keys;
  if (chosen.length === 0) return undefined;
  if (chosen.length > 1) return { problem: `several output keys contain "${needle}" (${chosen.join(', ')})` };
  const value = outputs[chosen[0]!];
  if (typeof value !== 'string' || value === '') return { problem: `output "${chosen[0]}" is not a non-empty string` };
  return { value };
}

/**
 * Reads ApiUrl, IdentityPoolId and Region from an outputs file: the one stack (or `stack`) whose output keys contain
 * "ApiUrl" and "IdentityPoolId". Problems are returned as sentences, never thrown.
 */
export function readOutputsFile(
  file: string,
  stack: string | undefined,
): { apiUrl?: string; identityPoolId?: string; region?: string; problems: string[] } {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    return { problems: [`outputs file ${file}: cannot be read as JSON (${(error as Error).message})`] };
  }
  const stacks = stacksOf(json);
  const matches = (outputs: Record<string, unknown>) =>
    outputNamed(outputs, 'ApiUrl') !== undefined && outputNamed(outputs, 'IdentityPoolId') !== undefined;
  let name: string;
  if (stack !== undefined) {
    if (!stacks.has(stack)) {
      return {
        problems: [`outputs file ${file}: no stack "${stack}" (stacks: ${[...stacks.keys()].join(', ') || 'none'})`],
      };
    }
    name = stack;
  } else {
    const matching = [...stacks].filter(([, outputs]) => matches(outputs)).map(([stackName]) => stackName);
    if (matching.length === 0) {
      return {
        problems: [
          `outputs file ${file}: no stack has outputs with keys containing "ApiUrl" and "IdentityPoolId" ` +
            `(stacks: ${[...stacks.keys()].join(', ') || 'none'})`,
        ],
      };
    }
    if (matching.length > 1) {
      return { problems: [`outputs file ${file}: several stacks match (${matching.join(', ')}); pass --stack <name>`] };
    }
    name = matching[0]!;
  }
  const outputs = stacks.get(name)!;
  const problems: string[] = [];
  const read = (needle: string) => {
    const found = outputNamed(outputs, needle);
    if (found?.problem) problems.push(`outputs file ${file}, stack ${name}: ${found.problem}`);
    return found?.value;
  };
  const apiUrl = read('ApiUrl');
  const identityPoolId = read('IdentityPoolId');
  const region = read('Region');
  return {
    ...(apiUrl === undefined ? {} : { apiUrl }),
    ...(identityPoolId === undefined ? {} : { identityPoolId }),
    ...(region === undefined ? {} : { region }),
    problems,
  };
}

/** Flags, then environment variables, then the outputs file; every problem is collected, so one run names them all. */
export function resolveInputs(argv: readonly string[], env: Env): InputResult {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({ args: [...argv], options: OPTIONS, strict: true, allowPositionals: false }));
  } catch (error) {
    return { kind: 'problems', problems: [(error as Error).message] };
  }
  if (values.help) return { kind: 'help' };
  const flag = (name: keyof typeof OPTIONS) => {
    const value = values[name];
    return typeof value === 'string' && value !== '' ? value : undefined;
  };
  const fromEnvironment = (name: string) => (env[name] === undefined || env[name] === '' ? undefined : env[name]);

  const problems: string[] = [];
  const outputsFile = flag('outputs') ?? fromEnvironment('DEVAUTH_OUTPUTS_FILE');
  const outputs = outputsFile
    ? readOutputsFile(outputsFile, flag('stack') ?? fromEnvironment('DEVAUTH_STACK'))
    : undefined;
  problems.push(...(outputs?.problems ?? []));

  const apiUrl = flag('api-url') ?? fromEnvironment('DEVAUTH_API_URL') ?? outputs?.apiUrl;
  const identityPoolId =
    flag('identity-pool-id') ?? fromEnvironment('DEVAUTH_IDENTITY_POOL_ID') ?? outputs?.identityPoolId;
  const poolRegion = identityPoolId?.includes(':') ? identityPoolId.slice(0, identityPoolId.indexOf(':')) : undefined;
  const region = flag('region') ?? fromEnvironment('DEVAUTH_REGION') ?? outputs?.region ?? poolRegion;

  if (apiUrl === undefined) {
    problems.push(
      'API URL: pass --api-url <url>, set DEVAUTH_API_URL, or give --outputs <file> with an output key containing "ApiUrl"',
    );
  } else {
    let url: URL | undefined;
    try {
      url = new URL(apiUrl);
    } catch {
      problems.push(`API URL "${apiUrl}" is not a URL`);
    }
    // A password goes to this URL: plain http only to this machine (the local stack).
    if (url && url.protocol !== 'https:' && !(url.protocol === 'http:' && LOOPBACK.has(url.hostname))) {
      problems.push(`API URL "${apiUrl}" must be https (http is accepted for loopback addresses only)`);
    }
  }
  if (identityPoolId === undefined) {
    problems.push(
      'identity pool id: pass --identity-pool-id <region>:<guid>, set DEVAUTH_IDENTITY_POOL_ID, or give --outputs ' +
        '<file> with an output key containing "IdentityPoolId"',
    );
  } else if (!IDENTITY_POOL_ID.test(identityPoolId)) {
    problems.push(`identity pool id "${identityPoolId}" does not look like <region>:<guid>`);
  }
  if (region === undefined) {
    problems.push(
      'region: pass --region, set DEVAUTH_REGION, or give an outputs key containing "Region" (by default it is the ' +
        "identity pool id's prefix)",
    );
  } else if (!REGION.test(region)) {
    problems.push(`region "${region}" is not an AWS region name`);
  } else if (poolRegion !== undefined && IDENTITY_POOL_ID.test(identityPoolId ?? '') && region !== poolRegion) {
    problems.push(`region "${region}" is not the identity pool's region "${poolRegion}" (its id starts with it)`);
  }

  const deniedMethod = (flag('denied-method') ?? 'POST').toUpperCase();
  if (!METHODS.has(deniedMethod))
    problems.push(`--denied-method "${deniedMethod}" is not one of ${[...METHODS].join(', ')}`);
  const deniedPath = flag('denied-path') ?? '/products';
  if (!deniedPath.startsWith('/')) problems.push(`--denied-path "${deniedPath}" must start with /`);
  const timeoutSeconds = Number(flag('timeout') ?? 120);
  if (!Number.isFinite(timeoutSeconds) || timeoutSeconds <= 0)
    problems.push('--timeout must be a number of seconds > 0');
  const cognitoEndpoint = flag('cognito-endpoint');
  if (cognitoEndpoint !== undefined && !URL.canParse(cognitoEndpoint)) {
    problems.push(`--cognito-endpoint "${cognitoEndpoint}" is not a URL`);
  }

  if (problems.length > 0) return { kind: 'problems', problems };
  return {
    kind: 'inputs',
    inputs: {
      apiUrl: apiUrl!.replace(/\/+$/, ''),
      identityPoolId: identityPoolId!,
      region: region!,
      deniedMethod,
      deniedPath,
      keepIdentities: values['keep-identities'] === true,
      timeoutSeconds,
      cognitoEndpoint,
    },
  };
}

export type CredentialProvider = () => Promise<{ accessKeyId: string; secretAccessKey: string; sessionToken?: string }>;

/**
 * The caller's AWS credentials for the cleanup, from the sources a developer's shell has: environment variables,
 * container credentials (only when their variables say so, as in CloudShell), a shared config profile. Never the
 * instance metadata service: a laptop without credentials gets a clear message, not a probe of a link-local address.
 */
export function awsCredentialSource(env: Env): { provider: CredentialProvider; source: string } | { problem: string } {
  if (env.AWS_ACCESS_KEY_ID || env.AWS_SECRET_ACCESS_KEY) {
    return { provider: fromEnv(), source: 'environment variables (AWS_ACCESS_KEY_ID, ...)' };
  }
  if (env.AWS_CONTAINER_CREDENTIALS_FULL_URI || env.AWS_CONTAINER_CREDENTIALS_RELATIVE_URI) {
    return { provider: fromContainerMetadata(), source: 'container credentials' };
  }
  const profile = env.AWS_PROFILE || 'default';
  const files = [
    env.AWS_SHARED_CREDENTIALS_FILE || join(homedir(), '.aws', 'credentials'),
    env.AWS_CONFIG_FILE || join(homedir(), '.aws', 'config'),
  ];
  if (env.AWS_PROFILE || files.some((file) => existsSync(file))) {
    return { provider: fromIni({ profile }), source: `shared config profile "${profile}"` };
  }
  return {
    problem:
      'AWS credentials (to delete the Cognito identities this run creates): none in the environment ' +
      '(AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY), no container credentials, no shared config profile ' +
      '(AWS_PROFILE, ~/.aws/credentials, ~/.aws/config); or pass --keep-identities to skip that cleanup',
  };
}
