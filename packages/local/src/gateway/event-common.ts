/**
 * What both payload formats are built from: the request as received, where it was routed, the API it arrived at,
 * and the timestamp format their request contexts share.
 */

/** A request as the gateway received it, before it becomes a v1 or v2 event. */
export interface IncomingCall {
  readonly method: string;
  /** The path as sent, stage prefix included (`/prod/products/1`); what SigV4 signed. */
  readonly rawPath: string;
  /** The path below the stage (`/products/1`), the one routes match; equal to `rawPath` at `$default`. */
  readonly routePath: string;
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
  /** REST API (payload 1.0 only, always a named stage) or HTTP API (payload 1.0 or 2.0, `$default` or named). */
  readonly kind: 'rest' | 'http';
}

/** An HTTP API's `$default` stage, served at the root of the API's URL. */
export const DEFAULT_STAGE = '$default';

/**
 * The stage's URL prefix: `/<stage>` for a named stage, empty for `$default`.
 *
 * A REST API is invoked at `https://{api-id}.execute-api.{region}.amazonaws.com/{stage}/`
 * (https://docs.aws.amazon.com/apigateway/latest/developerguide/how-to-call-api.html); an HTTP API's `$default`
 * stage "is served from the base of your API's URL", other stages under their name
 * (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-stages.html).
 */
export function stagePrefix(stage: string): string {
  return stage === DEFAULT_STAGE ? '' : `/${stage}`;
}

/** The path below the stage prefix, or undefined when the path is not under it (no route can match). */
export function pathBelowStage(rawPath: string, prefix: string): string | undefined {
  if (prefix === '') return rawPath;
  if (rawPath === prefix) return '/';
  return rawPath.startsWith(`${prefix}/`) ? rawPath.slice(prefix.length) : undefined;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** `24/Nov/2026:07:48:35 +0000`, the format of `requestTime` / `time`. */
export function clfTime(date: Date): string {
  const pad = (value: number) => String(value).padStart(2, '0');
  return `${pad(date.getUTCDate())}/${MONTHS[date.getUTCMonth()]}/${date.getUTCFullYear()}:${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())} +0000`;
}
