import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { isAllowedHost } from '../host-check.js';
import { BodyTooLargeError, readBody } from '../read-body.js';
import { wireRequest } from '../sigv4/index.js';
import { type BackendCredentials, verifyBackendSignature } from './backend-signature.js';
import { CognitoServiceError, internalError, isServiceError, missingAuthenticationToken } from './errors.js';
import type { FaultInjector } from './faults.js';
import { findOperation, type OperationContext } from './operations.js';
import type { RequestLog } from './request-log.js';
import { COGNITO_IDENTITY_ISSUER, JWKS_PATH, TOKEN_ALGORITHM } from './tokens.js';
import { parseJsonObject } from './validation.js';

export const JSON_CONTENT_TYPE = 'application/x-amz-json-1.1';
const TARGET_PREFIX = 'AWSCognitoIdentityService.';
export const OPENID_CONFIGURATION_PATH = '/.well-known/openid-configuration';
const FOREIGN_HOST =
  'The Host header does not name this emulator (DNS-rebinding protection): use localhost, 127.0.0.1 or [::1], ' +
  "or list the name in 'allowedHosts'.";

export interface ServerDependencies {
  readonly context: OperationContext;
  readonly faults: FaultInjector;
  readonly log: RequestLog;
  readonly maxBodyBytes: number;
  /** Refuse unsigned calls to operations AWS requires SigV4 for. */
  readonly requireAuthorization: boolean;
  /** When set, the SigV4 signature of those operations is verified against these credentials. */
  readonly backendCredentials: BackendCredentials | undefined;
  /** The credential scope's region signatures must carry. */
  readonly region: string;
  /** Host names served (see host-check.ts); requests naming any other host are refused. */
  readonly allowedHosts: ReadonlySet<string>;
}

/**
 * The AWS JSON 1.1 front end: `POST /` with `X-Amz-Target: AWSCognitoIdentityService.<Operation>`, plus the JWKS
 * (and a minimal OpenID configuration) over GET. The SigV4 signature of the developer operations is verified when
 * `backendCredentials` are configured, and only its presence otherwise.
 */
export function createIdentityPoolServer(deps: ServerDependencies): Server {
  return createServer((request, response) => {
    handle(deps, request, response).catch((error: unknown) => {
      // Only reached if writing the answer itself failed; the socket is gone or broken.
      if (!response.headersSent) sendError(response, internalError());
      else response.destroy(error instanceof Error ? error : undefined);
    });
  });
}

async function handle(deps: ServerDependencies, request: IncomingMessage, response: ServerResponse): Promise<void> {
  const path = (request.url ?? '/').split('?')[0] ?? '/';
  // Before anything else: a foreign Host is a DNS-rebinding page talking to us (see host-check.ts). Not an answer
  // AWS gives (its endpoints have no such case); 403 with a service-style body, so SDKs raise a named exception.
  if (!isAllowedHost(request.headersDistinct.host, deps.allowedHosts)) {
    deps.log.record({
      operation: path,
      statusCode: 403,
      errorType: 'ForbiddenException',
      signed: false,
      at: new Date(),
    });
    sendError(response, new CognitoServiceError('ForbiddenException', FOREIGN_HOST, 403));
    return;
  }
  if (request.method === 'GET' || request.method === 'HEAD') {
    serveWellKnown(deps, request, response, path);
    return;
  }

  const target = headerValue(request, 'x-amz-target');
  const operationName = target?.startsWith(TARGET_PREFIX) ? target.slice(TARGET_PREFIX.length) : undefined;
  const signed = headerValue(request, 'authorization') !== undefined;
  const record = (statusCode: number, errorType?: string): void =>
    deps.log.record({ operation: operationName ?? target ?? path, statusCode, errorType, signed, at: new Date() });

  let body: Buffer;
  try {
    body = await readBody(request, deps.maxBodyBytes);
  } catch (error) {
    if (error instanceof BodyTooLargeError) {
      const tooLarge = new CognitoServiceError(
        'RequestEntityTooLargeException',
        `Request body exceeds ${deps.maxBodyBytes} bytes.`,
        413,
      );
      record(413, tooLarge.type);
      response.setHeader('Connection', 'close');
      sendError(response, tooLarge, () => request.destroy());
      return;
    }
    throw error;
  }

  const operation = operationName === undefined ? undefined : findOperation(operationName);
  if (request.method !== 'POST' || path !== '/' || operationName === undefined || !operation) {
    const unknown = new CognitoServiceError('UnknownOperationException', 'Unknown operation.', 400);
    record(400, unknown.type);
    sendError(response, unknown);
    return;
  }

  const fault = deps.faults.take(operationName);
  if (fault?.kind === 'reset') {
    record(0, 'ConnectionReset');
    request.socket.destroy();
    return;
  }

  try {
    if (fault) throw fault.error;
    if (operation.signed && deps.backendCredentials) {
      verifyBackendSignature(wireRequest(request, body), {
        credentials: deps.backendCredentials,
        region: deps.region,
        now: deps.context.now(),
      });
    } else if (deps.requireAuthorization && operation.signed && !signed) {
      throw missingAuthenticationToken();
    }
    const output = await operation.run(deps.context, parseJsonObject(body.toString('utf8')));
    record(200);
    sendJson(response, 200, output);
  } catch (error) {
    const serviceError = isServiceError(error) ? error : unexpected(operationName, error);
    record(serviceError.statusCode, serviceError.type);
    sendError(response, serviceError);
  }
}

function unexpected(operationName: string, error: unknown): CognitoServiceError {
  // An emulator bug. Only the stack is logged, never the request (it may hold tokens or Logins).
  console.error(`[devauth-local] ${operationName} failed unexpectedly:`, error instanceof Error ? error.stack : error);
  return internalError();
}

function serveWellKnown(deps: ServerDependencies, request: IncomingMessage, response: ServerResponse, path: string) {
  if (path === JWKS_PATH) {
    sendJson(response, 200, deps.context.tokens.jwks(), 'application/json');
    return;
  }
  if (path === OPENID_CONFIGURATION_PATH) {
    const base = `http://${headerValue(request, 'host') ?? 'localhost'}`;
    sendJson(
      response,
      200,
      {
        issuer: COGNITO_IDENTITY_ISSUER,
        jwks_uri: `${base}${JWKS_PATH}`,
        id_token_signing_alg_values_supported: [TOKEN_ALGORITHM],
        subject_types_supported: ['public'],
        response_types_supported: ['id_token'],
      },
      'application/json',
    );
    return;
  }
  sendJson(response, 404, { message: 'Not found' }, 'application/json');
}

function headerValue(request: IncomingMessage, name: string): string | undefined {
  const value = request.headers[name];
  const first = Array.isArray(value) ? value[0] : value;
  return first === undefined || first === '' ? undefined : first;
}

function sendJson(response: ServerResponse, status: number, body: unknown, contentType = JSON_CONTENT_TYPE): void {
  const payload = JSON.stringify(body);
  response.writeHead(status, {
    'Content-Type': contentType,
    'Content-Length': Buffer.byteLength(payload),
    'x-amzn-RequestId': randomUUID(),
  });
  response.end(payload);
}

function sendError(response: ServerResponse, error: CognitoServiceError, done?: () => void): void {
  const payload = JSON.stringify({ __type: error.type, message: error.message });
  response.writeHead(error.statusCode, {
    ...error.headers,
    'Content-Type': JSON_CONTENT_TYPE,
    'Content-Length': Buffer.byteLength(payload),
    'x-amzn-RequestId': randomUUID(),
    'x-amzn-ErrorType': error.type,
  });
  response.end(payload, done);
}
