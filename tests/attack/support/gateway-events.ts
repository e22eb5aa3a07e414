/**
 * API Gateway proxy events for the enumeration and fuzz tests, both payload versions, shaped as API Gateway sends
 * them. Unlike a plain JSON helper, the body is passed through exactly as given (raw text, or base64 with
 * `isBase64Encoded: true`), and IAM identity fields can be set for the `me` route.
 */
import type { ApiGatewayProxyEvent } from '@devauth/lambda-handlers';

export interface GatewayRequest {
  readonly method?: string;
  readonly path?: string;
  /** Body text as the client sent it (null: no body). */
  readonly body?: string | null;
  /** When true, `body` is already base64 text and the event says so. */
  readonly isBase64Encoded?: boolean;
  readonly headers?: Readonly<Record<string, string>>;
  readonly sourceIp?: string;
  readonly requestId?: string;
  /** IAM fields of an AWS_IAM route (`me`); any value, API Gateway copies whatever the signed credentials carry. */
  readonly iam?: {
    readonly identityId?: unknown;
    readonly identityPoolId?: unknown;
    /** v1 `cognitoAuthenticationType`. */
    readonly authenticationType?: unknown;
    /** v2 `amr`. */
    readonly amr?: unknown;
  };
}

const HOST = 'abc123.execute-api.us-east-1.amazonaws.com';

export function v1Event(request: GatewayRequest): ApiGatewayProxyEvent {
  const method = request.method ?? 'POST';
  const path = request.path ?? '/auth/login';
  const headers: Record<string, string> = { Host: HOST, ...request.headers };
  const iam = request.iam;
  return {
    resource: path,
    path,
    httpMethod: method,
    headers,
    multiValueHeaders: Object.fromEntries(Object.entries(headers).map(([name, value]) => [name, [value]])),
    queryStringParameters: null,
    pathParameters: null,
    body: request.body ?? null,
    isBase64Encoded: request.isBase64Encoded === true,
    requestContext: {
      resourcePath: path,
      httpMethod: method,
      path: `/prod${path}`,
      stage: 'prod',
      accountId: '123456789012',
      requestId: request.requestId ?? crypto.randomUUID(),
      identity: {
        sourceIp: request.sourceIp ?? '203.0.113.7',
        cognitoIdentityId: iam ? iam.identityId : null,
        cognitoIdentityPoolId: iam ? iam.identityPoolId : null,
        cognitoAuthenticationType: iam ? iam.authenticationType : null,
        cognitoAuthenticationProvider: null,
        userArn: iam ? 'arn:aws:sts::123456789012:assumed-role/devauth/CognitoIdentityCredentials' : null,
      },
    },
  } as unknown as ApiGatewayProxyEvent;
}

export function v2Event(request: GatewayRequest): ApiGatewayProxyEvent {
  const method = request.method ?? 'POST';
  const path = request.path ?? '/auth/login';
  // fromEntries, not assignment: a header named `__proto__` stays an own property, as in a real event.
  const headers: Record<string, string> = Object.fromEntries([
    ['host', HOST],
    ...Object.entries(request.headers ?? {}).map(([name, value]) => [name.toLowerCase(), value]),
  ]);
  const iam = request.iam;
  return {
    version: '2.0',
    routeKey: `${method} ${path}`,
    rawPath: path,
    rawQueryString: '',
    headers,
    ...(request.body === undefined || request.body === null ? {} : { body: request.body }),
    isBase64Encoded: request.isBase64Encoded === true,
    requestContext: {
      accountId: '123456789012',
      apiId: 'abc123',
      routeKey: `${method} ${path}`,
      stage: '$default',
      requestId: request.requestId ?? crypto.randomUUID(),
      http: { method, path, protocol: 'HTTP/1.1', sourceIp: request.sourceIp ?? '203.0.113.7', userAgent: 'attack' },
      ...(iam
        ? {
            authorizer: {
              iam: {
                accountId: '123456789012',
                cognitoIdentity: { amr: iam.amr, identityId: iam.identityId, identityPoolId: iam.identityPoolId },
                userArn: 'arn:aws:sts::123456789012:assumed-role/devauth/CognitoIdentityCredentials',
              },
            },
          }
        : {}),
    },
  } as unknown as ApiGatewayProxyEvent;
}

export const PAYLOAD_VERSIONS = [
  { name: 'REST API v1', version: 1 as const, event: v1Event },
  { name: 'HTTP API v2', version: 2 as const, event: v2Event },
] as const;

export const eventFor = (version: 1 | 2, request: GatewayRequest): ApiGatewayProxyEvent =>
  version === 1 ? v1Event(request) : v2Event(request);

/** A JSON request body (the common case). */
export const jsonBody = (value: unknown): string => JSON.stringify(value);

let addressCounter = 0;
/** A source address never used before in this worker (so only the username throttle key carries history). */
export function freshAddress(): string {
  addressCounter++;
  return `10.${(addressCounter >> 16) & 255}.${(addressCounter >> 8) & 255}.${addressCounter & 255}`;
}

export function median(values: readonly number[]): number {
  if (values.length === 0) throw new Error('median of nothing');
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** |a - b| / min(a, b): 0.1 means the slower median is 10% above the faster one. */
export function relativeDifference(a: number, b: number): number {
  return Math.abs(a - b) / Math.min(a, b);
}
