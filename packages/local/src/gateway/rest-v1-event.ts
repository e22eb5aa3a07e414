import type { CallerIdentity } from './authorize.js';
import { type ApiContext, clfTime, type IncomingCall, type RouteMatch } from './event-common.js';
import { parseQuery } from './sigv4.js';

/**
 * Payload format 1.0: the REST API proxy event, also what an HTTP API sends to a 1.0 integration (then with
 * `version: '1.0'`).
 */
export interface ApiGatewayV1Event {
  /** `'1.0'` from an HTTP API; REST APIs send no version. */
  version?: '1.0';
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
  const rest = api.kind === 'rest';
  return {
    ...(rest ? {} : { version: '1.0' as const }),
    resource: route.resource,
    // On the execute-api host a REST API's `path` leaves the stage out while `requestContext.path` keeps it (the
    // path as sent): "for a non-proxy request URL of https://{rest-api-id}.execute-api.{region}.amazonaws.com/
    // {stage}/root/child, the $context.path value is /{stage}/root/child"
    // (https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-mapping-template-reference.html).
    // An HTTP API puts the path as sent in both; only a named stage adds a prefix there, `$default` none
    // (https://github.com/aws-powertools/powertools-lambda-python/issues/621,
    // https://github.com/dougmoscrop/serverless-http/pull/143).
    path: rest ? call.routePath : call.rawPath,
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
      path: call.rawPath,
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
