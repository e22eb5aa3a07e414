import type { CallerIdentity } from './authorize.js';
import { type ApiContext, clfTime, type IncomingCall, type RouteMatch } from './event-common.js';
import { parseQuery } from './sigv4.js';

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

function lastHeader(call: IncomingCall, name: string): string | undefined {
  let found: string | undefined;
  for (const [key, value] of call.rawHeaders) if (key.toLowerCase() === name) found = value;
  return found;
}
