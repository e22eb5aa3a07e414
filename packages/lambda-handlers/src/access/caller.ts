/** The Cognito identity API Gateway verified for an AWS_IAM route. */
export type CallerIdentity = {
  identityId: string;
  identityPoolId: string | null;
  authenticationType: 'authenticated' | 'unauthenticated';
};

/**
 * The IAM fields of the two event payloads, typed here because `@types/aws-lambda` types the v2 `cognitoIdentity`
 * as `null`. Every field is optional and `unknown`-ish on purpose: the parser below trusts nothing.
 */
export interface RestApiIamIdentity {
  cognitoIdentityPoolId?: string | null;
  cognitoIdentityId?: string | null;
  cognitoAuthenticationType?: string | null;
  cognitoAuthenticationProvider?: string | null;
  caller?: string | null;
  user?: string | null;
  userArn?: string | null;
  accessKey?: string | null;
  accountId?: string | null;
  sourceIp?: string;
}

export interface RestApiIamEvent {
  httpMethod?: string;
  resource?: string;
  path?: string;
  requestContext?: { identity?: RestApiIamIdentity; httpMethod?: string; resourcePath?: string; stage?: string };
}

export interface HttpApiCognitoIdentity {
  amr?: string[];
  identityId?: string;
  identityPoolId?: string;
}

export interface HttpApiIamEvent {
  version?: '2.0';
  routeKey?: string;
  rawPath?: string;
  requestContext?: {
    http?: { method?: string; path?: string };
    authorizer?: {
      iam?: {
        accessKey?: string;
        accountId?: string;
        callerId?: string;
        cognitoIdentity?: HttpApiCognitoIdentity | null;
        principalOrgId?: string | null;
        userArn?: string;
        userId?: string;
      };
    };
  };
}

/** IdentityId and IdentityPoolId share the documented shape `<region>:<uuid>`, at most 55 characters. */
const COGNITO_ID = /^[\w-]+:[0-9a-f-]+$/;

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isCognitoId(value: unknown): value is string {
  return typeof value === 'string' && value.length <= 55 && COGNITO_ID.test(value);
}

/** `null`/absent pool id is allowed (null result); a present but malformed one is not (undefined result). */
function poolIdOf(value: unknown): string | null | undefined {
  if (value === null || value === undefined) return null;
  return isCognitoId(value) ? value : undefined;
}

/** Whether the event is an HTTP API payload v2 (REST API events carry no `version`; HTTP API v1 says "1.0"). */
export function isHttpApiV2Event(event: unknown): boolean {
  return isRecord(event) && event.version === '2.0';
}

/**
 * Reads the Cognito identity of an AWS_IAM-authorized request, or `null` when there is none or any field has an
 * unexpected type or shape (the guard turns that into a 401, never a crash).
 * - v1 (REST API, HTTP API payload 1.0): `requestContext.identity.{cognitoIdentityId, cognitoIdentityPoolId,
 *   cognitoAuthenticationType}`.
 * - v2 (HTTP API payload 2.0): `requestContext.authorizer.iam.cognitoIdentity.{identityId, identityPoolId, amr}`;
 *   authenticated iff `amr` contains `authenticated`.
 */
export function iamIdentityOf(event: unknown): CallerIdentity | null {
  if (!isRecord(event) || !isRecord(event.requestContext)) return null;
  const context = event.requestContext;
  if (isHttpApiV2Event(event)) {
    const authorizer = context.authorizer;
    const iam = isRecord(authorizer) ? authorizer.iam : undefined;
    const cognito = isRecord(iam) ? iam.cognitoIdentity : undefined;
    if (!isRecord(cognito) || !isCognitoId(cognito.identityId)) return null;
    const { amr } = cognito;
    if (!Array.isArray(amr) || !amr.every((v) => typeof v === 'string')) return null;
    const identityPoolId = poolIdOf(cognito.identityPoolId);
    if (identityPoolId === undefined) return null;
    return {
      identityId: cognito.identityId,
      identityPoolId,
      authenticationType: amr.includes('authenticated') ? 'authenticated' : 'unauthenticated',
    };
  }
  const identity = context.identity;
  if (!isRecord(identity) || !isCognitoId(identity.cognitoIdentityId)) return null;
  const type = identity.cognitoAuthenticationType;
  if (type !== 'authenticated' && type !== 'unauthenticated') return null;
  const identityPoolId = poolIdOf(identity.cognitoIdentityPoolId);
  if (identityPoolId === undefined) return null;
  return { identityId: identity.cognitoIdentityId, identityPoolId, authenticationType: type };
}

/**
 * The route of an event, as the template API Gateway matched when there is one: v1 `resource` (else `path`),
 * v2 `routeKey` (else `rawPath`). Templates are preferred because `path`/`rawPath` can carry a base-path mapping or
 * the stage name, and because they are exactly what the table lists. Greedy (`{proxy+}`) and `$default` routes fall
 * back to the concrete path.
 */
export function routeOf(event: unknown): { method: string; path: string } | null {
  if (!isRecord(event)) return null;
  const context = isRecord(event.requestContext) ? event.requestContext : {};
  if (isHttpApiV2Event(event)) {
    const http = isRecord(context.http) ? context.http : {};
    const method = http.method;
    if (typeof method !== 'string') return null;
    const routeKey = event.routeKey;
    if (typeof routeKey === 'string') {
      const space = routeKey.indexOf(' ');
      const template = space === -1 ? '' : routeKey.slice(space + 1);
      if (template.startsWith('/') && !template.includes('+}')) return { method, path: template };
    }
    const rawPath = typeof event.rawPath === 'string' ? event.rawPath : http.path;
    return typeof rawPath === 'string' ? { method, path: rawPath } : null;
  }
  const method = typeof event.httpMethod === 'string' ? event.httpMethod : context.httpMethod;
  if (typeof method !== 'string') return null;
  if (typeof event.resource === 'string' && event.resource.startsWith('/') && !event.resource.includes('+}')) {
    return { method, path: event.resource };
  }
  return typeof event.path === 'string' ? { method, path: event.path } : null;
}
