import { HANDLER_ENV } from '@devauth/lambda-handlers/env';
import type { LocalRoute } from '../gateway/index.js';
import { type LocalGateway, startLocalGateway } from '../gateway/index.js';
import {
  type IdentityPoolEmulator,
  type IdentityPoolEmulatorOptions,
  startIdentityPoolEmulator,
} from '../identity-pool/emulator.js';
import { readApi, type TemplateApi, type TemplateRoute } from './api-routes.js';
import { preflightResponse, withCorsHeaders } from './cors.js';
import { createCustomResources, readCustomResources } from './custom-resources.js';
import { createTemplateTables, type LocalDynamoDb } from './dynamodb-tables.js';
import { TemplateError } from './errors.js';
import { type FunctionLogLine, FunctionProcess } from './function-host.js';
import { readFunctions, type TemplateFunction } from './functions.js';
import { readIdentityPool, rolePermissions, trustProblems } from './identity-pool.js';
import { type LocalValues, resolveString } from './intrinsics.js';
import { localApiId, localValues } from './local-values.js';
import { readSynthesizedStack, type SynthesizedStack } from './read-template.js';

export interface TemplateAppOptions {
  /** `<cdk.out>/<Stack>.template.json`. */
  readonly template: string;
  /** Where the template's DynamoDB tables are created (required when it has any). */
  readonly dynamodb?: LocalDynamoDb;
  /**
   * The local PostgreSQL server that stands in for the deployed one (required when a function's store is
   * `postgres`): such functions get `DEVAUTH_DATABASE_URL` instead of the secret, proxy host and TLS settings, and
   * the stack's migrations custom resource runs against it before the API is served.
   */
  readonly postgres?: { readonly url: string };
  /** Default `us-east-1`. */
  readonly region?: string;
  /** The account in ARNs. Default `000000000000`. */
  readonly accountId?: string;
  /** Default 0 (a free port). */
  readonly gatewayPort?: number;
  /** Emulator settings (port, credential lifetime, clock, ...). */
  readonly emulator?: Omit<IdentityPoolEmulatorOptions, 'region' | 'pools' | 'backendCredentials' | 'accountId'>;
  /** The Node.js binary functions run on (e.g. a Node 24 build for `nodejs24.x`). Default: this process's. */
  readonly node?: string;
  /**
   * Where a bare import a function's code lacks is resolved from, standing in for the Lambda runtime's own modules
   * (the AWS SDK, which bundles leave out). Default: the working directory.
   */
  readonly moduleFallbackDirs?: readonly string[];
  /** Variables set on every function last (e.g. a shorter token duration in tests). */
  readonly environment?: Readonly<Record<string, string>>;
  /** Each line a function prints. Default: written to stderr as `[<function name>] <line>`. */
  readonly functionLog?: (line: FunctionLogLine) => void;
  /** Notes about what runs differently offline. Default: stderr. */
  readonly warn?: (message: string) => void;
}

export interface TemplateApp {
  /** The API's invoke URL as deployed, locally: `http://127.0.0.1:<port>` (+ `/<stage>` for a REST API). */
  readonly endpoint: string;
  readonly apiKind: 'http' | 'rest';
  readonly stage: string;
  readonly region: string;
  readonly identityPoolId: string;
  /** The pool's developer provider name (undefined when the template sets none). */
  readonly developerProviderName: string | undefined;
  readonly emulator: IdentityPoolEmulator;
  readonly gateway: LocalGateway;
  /** The local table of each template table, by logical id. */
  readonly tables: Readonly<Record<string, string>>;
  /** The credentials the functions run with (also what the emulator and the local DynamoDB see). */
  readonly awsCredentials: { readonly accessKeyId: string; readonly secretAccessKey: string };
  /** The routes served, `METHOD /path` with their authorization. */
  readonly routes: readonly { readonly method: string; readonly path: string; readonly auth: 'NONE' | 'AWS_IAM' }[];
  /** Stops the gateway, every function's process and the emulator (the local DynamoDB is the caller's). */
  stop(): Promise<void>;
}

/**
 * The functions' own AWS credentials, offline: the emulator verifies the signatures they make with them. Letters and
 * digits only: DynamoDB Local (2.0 and later) refuses any other access key id.
 */
const FUNCTION_CREDENTIALS = { accessKeyId: 'DEVAUTHLOCALFUNCTION', secretAccessKey: 'devauthLocalFunctionSecret' };

/**
 * Serves a synthesized CDK stack on this machine: its API with every route, authorization type and stage as
 * deployed; each Lambda function from its staged asset with its environment (tables, the PostgreSQL connection, the
 * identity pool and the Cognito endpoint made local); its custom resources created through their Provider framework's
 * onEvent function (the schema migrations); its identity pool, with its developer provider, in the emulator; and its
 * roles' policies as synthesized, enforced at the local gateway. What runs offline is the document that deploys.
 */
export async function startTemplateApp(options: TemplateAppOptions): Promise<TemplateApp> {
  const region = options.region ?? 'us-east-1';
  const accountId = options.accountId ?? '000000000000';
  const warn = options.warn ?? ((message: string) => process.stderr.write(`devauth-local: ${message}\n`));
  // Everything the template says is read before anything starts, so a template that cannot run leaves nothing running.
  const stack = readSynthesizedStack(options.template);
  const api = readApi(stack);
  const pool = readIdentityPool(stack);
  const functions = readFunctions(stack);
  const customResources = readCustomResources(stack, (id) => functions.get(id)?.environment, warn);
  const postgresFunctions = [...functions.values()].filter((fn) => fn.environment[HANDLER_ENV.store] === 'postgres');
  if (postgresFunctions.length > 0 && !options.postgres) {
    throw new TemplateError(
      `${postgresFunctions[0]!.logicalId} uses a PostgreSQL store: give a local server (postgres: { url }, --database-url)`,
    );
  }
  if (pool.allowClassicFlow) warn(`${pool.logicalId} allows the basic (classic) flow, which is not emulated`);
  const tables = await createTemplateTables(stack, options.dynamodb, { region, credentials: FUNCTION_CREDENTIALS });

  const stops: Array<() => Promise<void>> = [];
  const stop = async () => {
    for (const step of stops.splice(0).reverse()) await step();
  };
  try {
    const emulator = await startIdentityPoolEmulator({
      ...options.emulator,
      region,
      accountId,
      backendCredentials: FUNCTION_CREDENTIALS,
    });
    stops.push(() => emulator.stop());
    const identityPool = emulator.createPool({
      ...(pool.developerProviderName ? { developerProviderName: pool.developerProviderName } : {}),
      allowUnauthenticatedIdentities: pool.allowGuests,
    });
    const values = localValues(stack, {
      region,
      accountId,
      apiId: localApiId(stack.stackName, api.logicalId),
      stage: api.stage,
      identityPoolId: identityPool.identityPoolId,
      tables,
      functionNames: new Map([...functions].map(([id, fn]) => [id, fn.functionName])),
    });
    const rolePolicies = roleDocuments(stack, pool, identityPool.identityPoolId, values, warn);

    const nodeMajor = Number(process.versions.node.split('.')[0]);
    const processes = new Map<string, FunctionProcess>();
    for (const [logicalId, fn] of functions) {
      const runtimeMajor = Number(/^nodejs(\d+)/.exec(fn.runtime)?.[1]);
      if (options.node === undefined && runtimeMajor !== nodeMajor) {
        warn(`${logicalId} declares ${fn.runtime}; it runs on this Node.js ${process.versions.node} (pass node)`);
      }
      const environment = functionEnvironment(fn, values, {
        region,
        emulatorEndpoint: emulator.endpoint,
        dynamodbEndpoint: options.dynamodb?.endpoint,
        postgresUrl: options.postgres?.url,
        overrides: options.environment ?? {},
      });
      processes.set(
        logicalId,
        new FunctionProcess(fn, environment, {
          ...(options.node === undefined ? {} : { node: options.node }),
          moduleFallbackDirs: options.moduleFallbackDirs ?? [process.cwd()],
          log: options.functionLog ?? ((l) => process.stderr.write(`[${l.functionName}] ${l.line}\n`)),
          region,
          accountId,
        }),
      );
    }
    stops.push(async () => {
      await Promise.all([...processes.values()].map((p) => p.stop()));
    });
    // As in a deployment, the custom resources (the schema migrations) are created before anything is served.
    await createCustomResources(customResources, processes, {
      stackId: `arn:aws:cloudformation:${region}:${accountId}:stack/${stack.stackName}/local`,
      values,
    });

    const gateway = await startLocalGateway({
      region,
      accountId,
      apiId: localApiId(stack.stackName, api.logicalId),
      apiKind: api.kind,
      stage: api.stage,
      emulator,
      identityPoolId: identityPool.identityPoolId,
      rolePolicies,
      ...(options.gatewayPort === undefined ? {} : { port: options.gatewayPort }),
      ...(options.emulator?.clock ? { clock: options.emulator.clock } : {}),
      routes: gatewayRoutes(api, processes),
    });
    stops.push(() => gateway.stop());
    return {
      endpoint: gateway.endpoint,
      apiKind: api.kind,
      stage: api.stage,
      region,
      identityPoolId: identityPool.identityPoolId,
      developerProviderName: identityPool.developerProviderName,
      emulator,
      gateway,
      tables: Object.fromEntries(tables),
      awsCredentials: FUNCTION_CREDENTIALS,
      routes: api.routes.map(({ method, path, auth }) => ({ method, path, auth })),
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** The permissions of the pool's two roles; a role its trust policy would not let the pool assume grants nothing. */
function roleDocuments(
  stack: SynthesizedStack,
  pool: ReturnType<typeof readIdentityPool>,
  identityPoolId: string,
  values: LocalValues,
  warn: (message: string) => void,
) {
  const documents: {
    authenticated?: ReturnType<typeof rolePermissions>;
    unauthenticated?: ReturnType<typeof rolePermissions>;
  } = {};
  for (const kind of ['authenticated', 'unauthenticated'] as const) {
    const roleId = pool.roles[kind];
    if (!roleId) continue;
    const problems = trustProblems(stack, roleId, kind, identityPoolId, values);
    for (const problem of problems) warn(problem);
    // A missing sts:TagSession still lets the role be assumed (without tags): its policies apply, its tags do not.
    if (problems.some((problem) => problem.includes('does not admit'))) continue;
    documents[kind] = rolePermissions(stack, roleId, values);
  }
  return documents;
}

interface EnvironmentContext {
  readonly region: string;
  readonly emulatorEndpoint: string;
  readonly dynamodbEndpoint: string | undefined;
  readonly postgresUrl: string | undefined;
  readonly overrides: Readonly<Record<string, string>>;
}

/** How a deployed function reaches PostgreSQL; offline, one URL replaces them all. */
const DEPLOYED_DATABASE_VARIABLES: readonly string[] = [
  HANDLER_ENV.databaseSecretArn,
  HANDLER_ENV.databaseHost,
  HANDLER_ENV.databaseTls,
  HANDLER_ENV.databaseCaFile,
];

/**
 * A function's environment as Lambda sets it: its own variables (resolved to local values), the runtime's reserved
 * ones, its credentials, and the SDK's service endpoints pointed at the local emulator and DynamoDB
 * (`AWS_ENDPOINT_URL_<SERVICE>`, read by every AWS SDK for JavaScript v3 client:
 * https://docs.aws.amazon.com/sdkref/latest/guide/feature-ss-endpoints.html).
 */
function functionEnvironment(fn: TemplateFunction, values: LocalValues, context: EnvironmentContext) {
  const postgres = fn.environment[HANDLER_ENV.store] === 'postgres';
  const own = Object.fromEntries(
    Object.entries(fn.environment)
      .filter(([name]) => !(postgres && DEPLOYED_DATABASE_VARIABLES.includes(name)))
      .map(([name, value]) => [name, resolveString(value, values, `function ${fn.logicalId} variable ${name}`)]),
  );
  return {
    ...own,
    ...(postgres && context.postgresUrl ? { [HANDLER_ENV.databaseUrl]: context.postgresUrl } : {}),
    AWS_REGION: context.region,
    AWS_DEFAULT_REGION: context.region,
    AWS_LAMBDA_FUNCTION_NAME: fn.functionName,
    AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(fn.memorySize),
    AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${fn.functionName}`,
    AWS_EXECUTION_ENV: `AWS_Lambda_${fn.runtime}`,
    LAMBDA_TASK_ROOT: fn.codeDirectory,
    TZ: 'UTC',
    AWS_ACCESS_KEY_ID: FUNCTION_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: FUNCTION_CREDENTIALS.secretAccessKey,
    AWS_ENDPOINT_URL_COGNITO_IDENTITY: context.emulatorEndpoint,
    ...(context.dynamodbEndpoint ? { AWS_ENDPOINT_URL_DYNAMODB: context.dynamodbEndpoint } : {}),
    ...context.overrides,
  };
}

function gatewayRoutes(api: TemplateApi, processes: ReadonlyMap<string, FunctionProcess>): LocalRoute[] {
  const routes = api.routes.map((route) => gatewayRoute(api, route, processes));
  if (api.kind === 'http' && api.cors) {
    const cors = api.cors;
    const hasOptions = new Set(api.routes.filter((r) => r.method === 'OPTIONS').map((r) => r.path));
    const paths = [...new Set(api.routes.map((route) => route.path))].filter((path) => !hasOptions.has(path));
    for (const path of paths) {
      routes.push({
        method: 'OPTIONS',
        path,
        auth: 'NONE',
        payload: 'v2',
        handler: async (event) => preflightResponse(cors, event.headers ?? {}),
      });
    }
  }
  return routes;
}

function gatewayRoute(
  api: TemplateApi,
  route: TemplateRoute,
  processes: ReadonlyMap<string, FunctionProcess>,
): LocalRoute {
  const { method, path, auth, target } = route;
  if (target.kind === 'mock') {
    const response = { statusCode: target.statusCode, headers: target.headers, body: '' };
    return { method, path, auth, payload: 'v1', handler: async () => response };
  }
  const fn = processes.get(target.functionId);
  if (!fn) throw new TemplateError(`${route.source}: function ${target.functionId} is not in the template`);
  const cors = api.kind === 'http' ? api.cors : undefined;
  const invoke = async (event: { headers?: Record<string, string | undefined> | null }, requestId: string) => {
    const result = await fn.invoke(event, requestId);
    return cors ? withCorsHeaders(cors, event.headers ?? {}, result) : result;
  };
  return target.payload === 'v1'
    ? { method, path, auth, payload: 'v1', handler: (event, context) => invoke(event, context.awsRequestId) }
    : { method, path, auth, payload: 'v2', handler: (event, context) => invoke(event, context.awsRequestId) };
}
