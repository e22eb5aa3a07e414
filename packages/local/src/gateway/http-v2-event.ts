import type { CallerIdentity } from './authorize.js';
import { type ApiContext, clfTime, type IncomingCall, type RouteMatch } from './event-common.js';
import { parseQuery } from './sigv4.js';

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
    // The path as sent: nothing to strip at `$default`, while a named stage stays in `rawPath` and `http.path`
    // (routes and `routeKey` go without it): https://github.com/aws-powertools/powertools-lambda-python/issues/621,
    // https://github.com/logandk/serverless-wsgi/issues/191. Example events at `$default`:
    // https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations-lambda.html
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
