/**
 * API Gateway proxy events, typed here (not with @types/aws-lambda) so the published declarations need no extra
 * package and so the v2 `cognitoIdentity` has its real shape (@types/aws-lambda types it as null).
 *
 * They are structural supertypes of @types/aws-lambda's `APIGatewayProxyEvent` and `APIGatewayProxyEventV2` (and of
 * their authorizer variants): a handler typed with those passes its event on without a cast. Hence `version: string`
 * in v2 (what @types/aws-lambda declares; API Gateway sends '2.0', which `isV2Event` checks at run time).
 * tests/tarball-consumers.test.ts type-checks exactly that against the published packages.
 */

type HeaderMap = Record<string, string | undefined>;

/** REST API (payload format 1.0). Only the fields devauth reads are required. */
export interface ApiGatewayProxyEventV1 {
  readonly version?: '1.0' | undefined;
  readonly resource?: string;
  readonly path: string;
  readonly httpMethod: string;
  readonly headers?: HeaderMap | null;
  readonly multiValueHeaders?: Record<string, readonly string[] | undefined> | null;
  readonly body?: string | null;
  readonly isBase64Encoded?: boolean;
  readonly requestContext: {
    readonly requestId?: string;
    readonly resourcePath?: string;
    readonly identity?: {
      readonly sourceIp?: string;
      readonly cognitoIdentityId?: string | null;
      readonly cognitoIdentityPoolId?: string | null;
      readonly cognitoAuthenticationType?: string | null;
      readonly cognitoAuthenticationProvider?: string | null;
      readonly userArn?: string | null;
    };
  };
}

/** HTTP API (payload format 2.0). */
export interface ApiGatewayProxyEventV2 {
  /** '2.0'. Typed `string` as in @types/aws-lambda, so its events are assignable. */
  readonly version: string;
  readonly routeKey?: string;
  readonly rawPath: string;
  readonly headers?: HeaderMap | null;
  readonly cookies?: readonly string[];
  readonly body?: string | null;
  readonly isBase64Encoded?: boolean;
  readonly requestContext: {
    readonly requestId?: string;
    readonly http: { readonly method: string; readonly path?: string; readonly sourceIp?: string };
    readonly authorizer?: {
      readonly iam?: {
        readonly userArn?: string | null;
        readonly cognitoIdentity?: {
          readonly amr: readonly string[];
          readonly identityId: string;
          readonly identityPoolId: string;
        } | null;
      };
    };
  };
}

export type ApiGatewayProxyEvent = ApiGatewayProxyEventV1 | ApiGatewayProxyEventV2;

export interface ApiGatewayProxyResultV1 {
  statusCode: number;
  headers: Record<string, string>;
  multiValueHeaders?: Record<string, string[]>;
  body: string;
  isBase64Encoded: boolean;
}

export interface ApiGatewayProxyResultV2 {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
  isBase64Encoded: boolean;
  cookies?: string[];
}

export type ApiGatewayProxyResult = ApiGatewayProxyResultV1 | ApiGatewayProxyResultV2;

/** The part of the Lambda context devauth uses; the real `Context` satisfies it. */
export interface LambdaContextLike {
  readonly awsRequestId?: string;
}

/** An event reduced to what the handlers need, whichever payload version it came in. */
export interface HttpRequest {
  readonly version: 1 | 2;
  readonly method: string;
  readonly path: string;
  /** Lower-cased names; API Gateway v1 keeps the client's casing, v2 lower-cases. */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string | undefined;
  readonly isBase64Encoded: boolean;
  readonly sourceIp: string | undefined;
  readonly requestId: string | undefined;
}

export function isV2Event(event: ApiGatewayProxyEvent): event is ApiGatewayProxyEventV2 {
  return (event as { version?: unknown }).version === '2.0';
}

export function normalizeEvent(event: ApiGatewayProxyEvent): HttpRequest {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(event.headers ?? {})) {
    if (typeof value === 'string') headers[name.toLowerCase()] = value;
  }
  const body = typeof event.body === 'string' ? event.body : undefined;
  const isBase64Encoded = event.isBase64Encoded === true;
  if (isV2Event(event)) {
    return {
      version: 2,
      method: (event.requestContext.http.method ?? 'GET').toUpperCase(),
      path: event.rawPath ?? event.requestContext.http.path ?? '/',
      headers,
      body,
      isBase64Encoded,
      sourceIp: event.requestContext.http.sourceIp || undefined,
      requestId: event.requestContext.requestId,
    };
  }
  return {
    version: 1,
    method: (event.httpMethod ?? 'GET').toUpperCase(),
    path: event.path ?? '/',
    headers,
    body,
    isBase64Encoded,
    sourceIp: event.requestContext?.identity?.sourceIp || undefined,
    requestId: event.requestContext?.requestId,
  };
}
