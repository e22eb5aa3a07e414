import { ValidationError } from '@devauth/core';
import { isRecord } from '../access/caller.js';
import type { RouteRequest } from './route.js';

/** Longer encoded values are refused before decoding: ids are short, and a huge segment is not worth the work. */
const MAX_ENCODED_SEGMENT = 512;

/**
 * The `{name}` parameter of a route whose default template is `template`: API Gateway's `pathParameters` (both
 * payload versions carry them for a templated route), else the segment at the template's position counted from the
 * end of the request path. Counting from the end keeps a prefix (a base-path mapping, the stage, a mount elsewhere)
 * out of the way, and serves greedy (`{proxy+}`) and `$default` routes, which carry no `{name}`. Undefined when absent
 * or not decodable: the core then refuses the missing id (400 VALIDATION_FAILED on it), as for any invalid input.
 *
 * Which route this is was settled by the guard from the template, not from this value: the value only names the
 * target of the operation.
 */
export function pathParameterOf(request: RouteRequest, template: string, name: string): string | undefined {
  const parameters = (request.event as { pathParameters?: unknown }).pathParameters;
  const given = isRecord(parameters) ? parameters[name] : undefined;
  let raw: string | undefined;
  if (typeof given === 'string') {
    raw = given;
  } else {
    const templateSegments = template.split('/').filter(Boolean);
    const fromEnd = templateSegments.length - templateSegments.indexOf(`{${name}}`);
    if (fromEnd > templateSegments.length) return undefined;
    const segments = request.path.split('/').filter(Boolean);
    raw = segments.length >= fromEnd ? segments[segments.length - fromEnd] : undefined;
  }
  if (raw === undefined || raw === '' || raw.length > MAX_ENCODED_SEGMENT) return undefined;
  try {
    return decodeURIComponent(raw);
  } catch {
    return undefined;
  }
}

/**
 * The query string of a request as one value per name. Read from the forms that keep repetition when the event has
 * them (v2 `rawQueryString`, decoded here; v1 `multiValueQueryStringParameters`), because the single-value maps hide
 * it (v1 keeps the last value, v2 joins them with commas): a repeated parameter is a ValidationError on its name
 * rather than a guess at which value was meant.
 */
export function queryParametersOf(request: RouteRequest): Record<string, string> {
  const event = request.event as {
    rawQueryString?: unknown;
    queryStringParameters?: unknown;
    multiValueQueryStringParameters?: unknown;
  };
  const pairs: Array<[string, string]> = [];
  if (typeof event.rawQueryString === 'string' && event.rawQueryString !== '') {
    pairs.push(...new URLSearchParams(event.rawQueryString));
  } else if (isRecord(event.multiValueQueryStringParameters)) {
    for (const [name, values] of Object.entries(event.multiValueQueryStringParameters)) {
      if (!Array.isArray(values)) continue;
      for (const value of values) if (typeof value === 'string') pairs.push([name, value]);
    }
  } else if (isRecord(event.queryStringParameters)) {
    for (const [name, value] of Object.entries(event.queryStringParameters)) {
      if (typeof value === 'string') pairs.push([name, value]);
    }
  }
  const query = new Map<string, string>();
  for (const [name, value] of pairs) {
    if (query.has(name)) throw ValidationError.single(name, 'repeated', 'must be given at most once');
    query.set(name, value);
  }
  // Own data properties only (fromEntries defines them): a parameter named `__proto__` stays a plain key, which the
  // strict core schemas refuse as unknown.
  return Object.fromEntries(query);
}

/**
 * A query parameter that the core takes as a whole number (`limit`): a query string only has text, and "20" must
 * not reach a schema that wants 20. Anything but an optionally signed run of digits is a ValidationError on the
 * parameter (a 400, never a 500); the range is the core's to check.
 */
export function integerParameter(query: Record<string, string>, name: string): Record<string, unknown> {
  const value = query[name];
  if (value === undefined) return query;
  if (!/^-?\d{1,15}$/.test(value)) throw ValidationError.single(name, 'invalid_type', 'must be a whole number');
  return { ...query, [name]: Number(value) };
}
