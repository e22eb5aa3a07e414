import type { CallerIdentity } from './authorize.js';
import { parseQuery } from './sigv4.js';

/** A request as the gateway received it, before it becomes a v1 or v2 event. */
export interface IncomingCall {
  readonly method: string;
  readonly rawPath: string;
  readonly rawQuery: string;
  /** Header names as sent, in order, repeats kept (Node's `rawHeaders` pairs). */
  readonly rawHeaders: ReadonlyArray<readonly [string, string]>;
  readonly body: Buffer;
  readonly sourceIp: string;
  readonly requestId: string;
  readonly at: Date;
}

/** Where the call was routed. */
export interface RouteMatch {
  /** `/products/{id}`. */
  readonly resource: string;
  readonly method: string;
  readonly pathParameters: Readonly<Record<string, string>>;
}

export interface ApiContext {
  readonly accountId: string;
  readonly apiId: string;
  readonly stage: string;
}

/** API Gateway REST API (payload format 1.0) proxy event. */
export interface ApiGatewayV1Event {
  resource: string;
  path: string;
  httpMethod: string;
  headers: Record<string, string>;
  multiValueHeaders: Record<string, string[]>;
  queryStringParameters: Record<string, string> | null;
  multiValueQueryStringParameters: Record<string, string[]> | null;
  pathParameters: Record<string, string> | null;
  stageVariables: Record<string, string> | null;
  requestContext: {
    accountId: string;
    apiId: string;
    domainName: string;
    extendedRequestId: string;
    httpMethod: string;
    path: string;
    protocol: string;
    requestId: string;
    requestTime: string;
    requestTimeEpoch: number;
    resourceId: string;
    resourcePath: string;
    stage: string;
    identity: {
      accessKey: string | null;
      accountId: string | null;
      apiKey: string | null;
      apiKeyId: string | null;
      caller: string | null;
      clientCert: null;
      cognitoAuthenticationProvider: string | null;
      cognitoAuthenticationType: string | null;
      cognitoIdentityId: string | null;
      cognitoIdentityPoolId: string | null;
      principalOrgId: string | null;
      sourceIp: string;
      user: string | null;
      userAgent: string | null;
      userArn: string | null;
    };
    authorizer: null;
  };
  body: string | null;
  isBase64Encoded: boolean;
}

/** API Gateway HTTP API (payload format 2.0) event. */
export interface ApiGatewayV2Event {
  version: '2.0';
  routeKey: string;
  rawPath: string;
  rawQueryString: string;
  cookies?: string[];
  headers: Record<string, string>;
  queryStringParameters?: Record<string, string>;
  pathParameters?: Record<string, string>;
  stageVariables?: Record<string, string>;
  requestContext: {
    accountId: string;
    apiId: string;
    authorizer?: {
      iam: {
        accessKey: string;
        accountId: string;
        callerId: string;
        cognitoIdentity: { amr: string[]; identityId: string; identityPoolId: string } | null;
        principalOrgId: string | null;
        userArn: string;
        userId: string;
      };
    };
    domainName: string;
    domainPrefix: string;
    http: { method: string; path: string; protocol: string; sourceIp: string; userAgent: string };
    requestId: string;
    routeKey: string;
    stage: string;
    time: string;
    timeEpoch: number;
  };
  body?: string;
  isBase64Encoded: boolean;
}

export function buildV1Event(
  call: IncomingCall,
  route: RouteMatch,
  api: ApiContext,
  caller: CallerIdentity | undefined,
): ApiGatewayV1Event {
  const headers: Record<string, string> = {};
  const multiValueHeaders: Record<string, string[]> = {};
  for (const [name, value] of call.rawHeaders) {
    // REST APIs keep the sender's header casing; a repeated header's last value wins in `headers`.
    headers[name] = value;
    multiValueHeaders[name] = [...(multiValueHeaders[name] ?? []), value];
  }
  const query = parseQuery(call.rawQuery);
  const single: Record<string, string> = {};
  const multi: Record<string, string[]> = {};
  for (const [key, value] of query) {
    single[key] = value;
    multi[key] = [...(multi[key] ?? []), value];
  }
  const userAgent = lastHeader(call, 'user-agent') ?? null;
  const credentials = caller?.credentials;
  return {
    resource: route.resource,
    path: call.rawPath,
    httpMethod: call.method,
    headers,
    multiValueHeaders,
    queryStringParameters: query.length > 0 ? single : null,
    multiValueQueryStringParameters: query.length > 0 ? multi : null,
    pathParameters: Object.keys(route.pathParameters).length > 0 ? { ...route.pathParameters } : null,
    stageVariables: null,
    requestContext: {
      accountId: api.accountId,
      apiId: api.apiId,
      domainName: lastHeader(call, 'host') ?? 'localhost',
      extendedRequestId: call.requestId,
      httpMethod: call.method,
      // REST APIs report the stage-prefixed path here.
      path: `/${api.stage}${call.rawPath}`,
      protocol: 'HTTP/1.1',
      requestId: call.requestId,
      requestTime: clfTime(call.at),
      requestTimeEpoch: call.at.getTime(),
      resourceId: 'local',
      resourcePath: route.resource,
      stage: api.stage,
      identity: {
        accessKey: caller?.accessKey ?? null,
        accountId: caller?.accountId ?? null,
        apiKey: null,
        apiKeyId: null,
        caller: caller?.userId ?? null,
        clientCert: null,
        cognitoAuthenticationProvider: credentials?.authenticationProvider ?? null,
        cognitoAuthenticationType: credentials?.authenticationType ?? null,
        cognitoIdentityId: credentials?.identityId ?? null,
        cognitoIdentityPoolId: credentials?.identityPoolId ?? null,
        principalOrgId: null,
        sourceIp: call.sourceIp,
        user: caller?.userId ?? null,
        userAgent,
        userArn: caller?.userArn ?? null,
      },
      authorizer: null,
    },
    // Without binary media types a REST API hands the body over as text.
    body: call.body.length > 0 ? call.body.toString('utf8') : null,
    isBase64Encoded: false,
  };
}

export function buildV2Event(
  call: IncomingCall,
  route: RouteMatch,
  api: ApiContext,
  caller: CallerIdentity | undefined,
): ApiGatewayV2Event {
  const headers: Record<string, string> = {};
  const cookies: string[] = [];
  for (const [rawName, value] of call.rawHeaders) {
    const name = rawName.toLowerCase();
    // HTTP APIs move cookies into `cookies` and lower-case and comma-join everything else.
    if (name === 'cookie') {
      cookies.push(
        ...value
          .split(';')
          .map((cookie) => cookie.trim())
          .filter((cookie) => cookie !== ''),
      );
      continue;
    }
    headers[name] = headers[name] === undefined ? value : `${headers[name]},${value}`;
  }
  const query: Record<string, string> = {};
  for (const [key, value] of parseQuery(call.rawQuery)) {
    query[key] = query[key] === undefined ? value : `${query[key]},${value}`;
  }
  const routeKey = `${route.method} ${route.resource}`;
  const textual = isTextual(headers['content-type']);
  const event: ApiGatewayV2Event = {
    version: '2.0',
    routeKey,
    rawPath: call.rawPath,
    rawQueryString: call.rawQuery,
    headers,
    requestContext: {
      accountId: api.accountId,
      apiId: api.apiId,
      domainName: headers.host ?? 'localhost',
      domainPrefix: (headers.host ?? 'localhost').split('.')[0] ?? 'localhost',
      http: {
        method: call.method,
        path: call.rawPath,
        protocol: 'HTTP/1.1',
        sourceIp: call.sourceIp,
        userAgent: headers['user-agent'] ?? '',
      },
      requestId: call.requestId,
      routeKey,
      stage: api.stage,
      time: clfTime(call.at),
      timeEpoch: call.at.getTime(),
    },
    isBase64Encoded: call.body.length > 0 && !textual,
  };
  if (cookies.length > 0) event.cookies = cookies;
  if (Object.keys(query).length > 0) event.queryStringParameters = query;
  if (Object.keys(route.pathParameters).length > 0) event.pathParameters = { ...route.pathParameters };
  if (call.body.length > 0) event.body = call.body.toString(textual ? 'utf8' : 'base64');
  if (caller) {
    const credentials = caller.credentials;
    event.requestContext.authorizer = {
      iam: {
        accessKey: caller.accessKey,
        accountId: caller.accountId,
        callerId: caller.userId,
        cognitoIdentity: {
          amr: [...credentials.amr],
          identityId: credentials.identityId,
          identityPoolId: credentials.identityPoolId,
        },
        principalOrgId: null,
        userArn: caller.userArn,
        userId: caller.userId,
      },
    };
  }
  return event;
}

/** HTTP APIs base64-encode bodies unless the content type is text-like. */
function isTextual(contentType: string | undefined): boolean {
  if (contentType === undefined) return true;
  const type = contentType.split(';')[0]!.trim().toLowerCase();
  return (
    type.startsWith('text/') ||
    /[/+](json|xml)$/.test(type) ||
    type === 'application/javascript' ||
    type === 'application/x-www-form-urlencoded'
  );
}

function lastHeader(call: IncomingCall, name: string): string | undefined {
  let found: string | undefined;
  for (const [key, value] of call.rawHeaders) if (key.toLowerCase() === name) found = value;
  return found;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** `24/Nov/2026:07:48:35 +0000`, the format of `requestTime` / `time`. */
function clfTime(date: Date): string {
  const pad = (value: number) => String(value).padStart(2, '0');
  return `${pad(date.getUTCDate())}/${MONTHS[date.getUTCMonth()]}/${date.getUTCFullYear()}:${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())} +0000`;
}

/** What goes back on the wire. */
export interface GatewayResponse {
  readonly statusCode: number;
  readonly headers: Record<string, string | string[]>;
  readonly body: Buffer;
}

/** Thrown when a handler's result is not a valid proxy response: API Gateway answers 502. */
export class MalformedResponseError extends Error {}

export function fromV1Result(result: unknown): GatewayResponse {
  if (!isRecord(result) || typeof result.statusCode !== 'number' || !Number.isInteger(result.statusCode)) {
    throw new MalformedResponseError('Malformed Lambda proxy response');
  }
  const headers: Record<string, string | string[]> = {};
  if (isRecord(result.multiValueHeaders)) {
    for (const [name, values] of Object.entries(result.multiValueHeaders)) {
      if (Array.isArray(values)) headers[name] = values.map(String);
    }
  }
  if (isRecord(result.headers)) {
    for (const [name, value] of Object.entries(result.headers)) headers[name] = String(value);
  }
  return { statusCode: result.statusCode, headers: withContentType(headers), body: bodyOf(result) };
}

export function fromV2Result(result: unknown): GatewayResponse {
  if (!isRecord(result) || result.statusCode === undefined) {
    // Payload 2.0: anything without statusCode is taken as the JSON body of a 200.
    return {
      statusCode: 200,
      headers: { 'content-type': 'application/json' },
      body: Buffer.from(JSON.stringify(result ?? null), 'utf8'),
    };
  }
  if (typeof result.statusCode !== 'number' || !Number.isInteger(result.statusCode)) {
    throw new MalformedResponseError('Malformed Lambda proxy response');
  }
  const headers: Record<string, string | string[]> = {};
  if (isRecord(result.headers)) {
    for (const [name, value] of Object.entries(result.headers)) headers[name] = String(value);
  }
  if (Array.isArray(result.cookies) && result.cookies.length > 0) headers['set-cookie'] = result.cookies.map(String);
  return { statusCode: result.statusCode, headers: withContentType(headers), body: bodyOf(result) };
}

function bodyOf(result: Record<string, unknown>): Buffer {
  if (result.body === undefined || result.body === null) return Buffer.alloc(0);
  const body = String(result.body);
  return Buffer.from(body, result.isBase64Encoded === true ? 'base64' : 'utf8');
}

function withContentType(headers: Record<string, string | string[]>): Record<string, string | string[]> {
  const hasType = Object.keys(headers).some((name) => name.toLowerCase() === 'content-type');
  return hasType ? headers : { ...headers, 'content-type': 'application/json' };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
