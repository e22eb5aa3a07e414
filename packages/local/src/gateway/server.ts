import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { isAllowedHost } from '../host-check.js';
import { BodyTooLargeError, readBody } from '../read-body.js';
import type { AccessPolicy } from './access-policy.js';
import { authenticate, type CallerIdentity, type CredentialsSource, GatewayDenial } from './authorize.js';
import {
  type ApiContext,
  buildV1Event,
  buildV2Event,
  fromV1Result,
  fromV2Result,
  type GatewayResponse,
  type IncomingCall,
  pathBelowStage,
  stagePrefix,
} from './events.js';
import { findRoute, isCanonicalPath, type RouteTemplate } from './routes.js';

/** The Lambda context handed to handlers: the fields functions commonly read. */
export interface LocalLambdaContext {
  readonly awsRequestId: string;
  readonly functionName: string;
  readonly functionVersion: string;
  readonly invokedFunctionArn: string;
  readonly memoryLimitInMB: string;
  readonly logGroupName: string;
  readonly logStreamName: string;
  callbackWaitsForEmptyEventLoop: boolean;
  getRemainingTimeInMillis(): number;
}

export interface CompiledRoute {
  readonly payload: 'v1' | 'v2';
  readonly auth: 'NONE' | 'AWS_IAM';
  readonly invoke: (event: unknown, context: LocalLambdaContext) => Promise<unknown>;
}

export interface GatewayServerConfig {
  readonly routes: readonly RouteTemplate<CompiledRoute>[];
  readonly api: ApiContext & { readonly region: string };
  readonly source: CredentialsSource;
  readonly access: AccessPolicy | undefined;
  readonly now: () => Date;
  readonly maxBodyBytes: number;
  /** Host names served (see host-check.ts); requests naming any other host are refused. */
  readonly allowedHosts: ReadonlySet<string>;
}

const LAMBDA_TIMEOUT_MS = 30_000;

export function createGatewayServer(config: GatewayServerConfig): Server {
  return createServer((request, response) => {
    handle(config, request, response).catch((error: unknown) => {
      // Only a gateway bug or a broken socket gets here; handler errors are answered in handle().
      console.error('[devauth-local gateway] request failed:', error instanceof Error ? error.stack : error);
      if (!response.headersSent) sendMessage(response, 500, 'Internal server error', randomUUID());
      else response.destroy();
    });
  });
}

async function handle(config: GatewayServerConfig, request: IncomingMessage, response: ServerResponse) {
  const requestId = randomUUID();
  const url = request.url ?? '/';
  const queryAt = url.indexOf('?');
  const rawPath = queryAt === -1 ? url : url.slice(0, queryAt);
  const rawQuery = queryAt === -1 ? '' : url.slice(queryAt + 1);
  const method = (request.method ?? 'GET').toUpperCase();

  // Before anything else, and for every route: a foreign Host is a DNS-rebinding page talking to us. API Gateway
  // answers requests for a host it does not serve with 403 {"message":"Forbidden"} (ForbiddenException).
  if (!isAllowedHost(request.headersDistinct.host, config.allowedHosts)) {
    sendMessage(response, 403, 'Forbidden', requestId, 'ForbiddenException');
    return;
  }
  // Dot and empty segments are refused before routing and authentication (see isCanonicalPath). API Gateway
  // documents no answer for them; 400 {"message":"Bad Request"} is its shape for a request it cannot take.
  if (!isCanonicalPath(rawPath)) {
    sendMessage(response, 400, 'Bad Request', requestId, 'BadRequestException');
    return;
  }

  let body: Buffer;
  try {
    body = await readBody(request, config.maxBodyBytes);
  } catch (error) {
    if (!(error instanceof BodyTooLargeError)) throw error;
    response.setHeader('Connection', 'close');
    sendMessage(response, 413, 'Request Entity Too Large', requestId, undefined, () => request.destroy());
    return;
  }

  // Routes live below the stage prefix (`/<stage>` for REST APIs and named HTTP API stages, none at `$default`).
  const routePath = pathBelowStage(rawPath, stagePrefix(config.api.stage));
  const match = routePath === undefined ? undefined : findRoute(config.routes, method, routePath);
  if (!match || routePath === undefined) {
    sendUnknownRoute(config.api.kind, response, requestId);
    return;
  }
  const route = match.route.value;
  const now = config.now();

  let caller: CallerIdentity | undefined;
  if (route.auth === 'AWS_IAM') {
    try {
      caller = authenticate(
        // The signature covers the path as sent, stage prefix included: the client signs the URL it requests
        // (canonical URI = the URI's absolute path), so a signature for `/products` is no good on `/prod/products`.
        // One entry per header line: repeated headers are canonicalised exactly as SigV4 says (canonical.ts).
        { method, rawPath, rawQuery, headers: request.headersDistinct, body },
        { source: config.source, region: config.api.region, now },
      );
      // The execute-api ARN names the stage in its own segment, then the path below it:
      // arn:aws:execute-api:{region}:{account}:{api-id}/{stage}/{METHOD}/{path} (see @devauth/access executeApiArn).
      config.access?.check(caller, config.api, method, routePath);
    } catch (error) {
      if (!(error instanceof GatewayDenial)) throw error;
      sendMessage(response, error.statusCode, error.message, requestId, error.type);
      return;
    }
  }

  const call: IncomingCall = {
    method,
    rawPath,
    routePath,
    rawQuery,
    rawHeaders: headerPairs(request.rawHeaders),
    body,
    sourceIp: normaliseIp(request.socket.remoteAddress),
    requestId,
    at: now,
  };
  const routeMatch = {
    resource: match.route.resource,
    method: match.route.method,
    pathParameters: match.pathParameters,
  };
  const event =
    route.payload === 'v1'
      ? buildV1Event(call, routeMatch, config.api, caller)
      : buildV2Event(call, routeMatch, config.api, caller);

  let result: GatewayResponse;
  try {
    const output = await route.invoke(event, lambdaContext(requestId));
    result = route.payload === 'v1' ? fromV1Result(output) : fromV2Result(output);
  } catch (error) {
    // API Gateway hides the function error from the client; the developer still wants to see it locally.
    console.error(
      `[devauth-local gateway] ${method} ${match.route.resource} handler failed:`,
      error instanceof Error ? error.stack : error,
    );
    sendMessage(response, 502, 'Internal server error', requestId, 'InternalServerErrorException');
    return;
  }
  response.writeHead(result.statusCode, {
    ...result.headers,
    'content-length': result.body.length,
    'x-amzn-RequestId': requestId,
  });
  response.end(method === 'HEAD' ? undefined : result.body);
}

function lambdaContext(requestId: string): LocalLambdaContext {
  const deadline = Date.now() + LAMBDA_TIMEOUT_MS;
  return {
    awsRequestId: requestId,
    functionName: 'devauth-local',
    functionVersion: '$LATEST',
    invokedFunctionArn: 'arn:aws:lambda:local:000000000000:function:devauth-local',
    memoryLimitInMB: '128',
    logGroupName: '/aws/lambda/devauth-local',
    logStreamName: 'local',
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
  };
}

function headerPairs(raw: readonly string[]): Array<[string, string]> {
  const pairs: Array<[string, string]> = [];
  for (let i = 0; i + 1 < raw.length; i += 2) pairs.push([raw[i]!, raw[i + 1]!]);
  return pairs;
}

function normaliseIp(address: string | undefined): string {
  if (!address) return '127.0.0.1';
  return address.startsWith('::ffff:') ? address.slice('::ffff:'.length) : address;
}

/**
 * No route for the method and path (or a path outside the stage). The two API kinds answer differently:
 * - REST API: 403 `{"message":"Missing Authentication Token"}`, `x-amzn-ErrorType: MissingAuthenticationTokenException`
 *   (MISSING_AUTHENTICATION_TOKEN, 403: "including the cases when the client attempts to invoke an unsupported API
 *   method or resource", https://docs.aws.amazon.com/apigateway/latest/developerguide/supported-gateway-response-types.html;
 *   https://repost.aws/knowledge-center/api-gateway-authentication-token-errors).
 * - HTTP API: 404 `{"message":"Not Found"}`.
 * AWS's own Lambda test tool answers this pair per API kind (`ApiGatewayResults.RouteNotFound`,
 * https://github.com/aws/aws-lambda-dotnet/blob/0923e6af4f8c242be036b6ea2c055aa023cb288d/Tools/LambdaTestTool-v2/src/Amazon.Lambda.TestTool/Extensions/ResultExtensions.cs).
 */
function sendUnknownRoute(kind: 'rest' | 'http', response: ServerResponse, requestId: string): void {
  if (kind === 'rest') {
    sendMessage(response, 403, 'Missing Authentication Token', requestId, 'MissingAuthenticationTokenException');
  } else {
    sendMessage(response, 404, 'Not Found', requestId);
  }
}

/** API Gateway's error shape: `{"message": "..."}` with `x-amzn-ErrorType`. */
function sendMessage(
  response: ServerResponse,
  statusCode: number,
  message: string,
  requestId: string,
  errorType?: string,
  done?: () => void,
): void {
  const payload = JSON.stringify({ message });
  response.writeHead(statusCode, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(payload),
    'x-amzn-RequestId': requestId,
    ...(errorType ? { 'x-amzn-ErrorType': errorType } : {}),
  });
  response.end(payload, done);
}
