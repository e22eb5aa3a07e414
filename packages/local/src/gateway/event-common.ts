/**
 * What both payload formats are built from: the request as received, where it was routed, the API it arrived at,
 * and the timestamp format their request contexts share.
 */

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

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** `24/Nov/2026:07:48:35 +0000`, the format of `requestTime` / `time`. */
export function clfTime(date: Date): string {
  const pad = (value: number) => String(value).padStart(2, '0');
  return `${pad(date.getUTCDate())}/${MONTHS[date.getUTCMonth()]}/${date.getUTCFullYear()}:${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())} +0000`;
}
