import { safeDecode } from '../sigv4/index.js';

/** A compiled route template: `/products/{id}`, `/files/{proxy+}` (greedy, last segment only). */
export interface RouteTemplate<T> {
  readonly method: string;
  readonly resource: string;
  readonly value: T;
  readonly segments: readonly string[];
  readonly literalCount: number;
  readonly greedy: boolean;
}

export function compileRoute<T>(method: string, resource: string, value: T): RouteTemplate<T> {
  if (!resource.startsWith('/')) throw new RangeError(`Route path must start with '/': ${resource}`);
  const segments = resource.split('/').filter((segment) => segment !== '');
  segments.forEach((segment, index) => {
    if (/^\{[^}]+\+\}$/.test(segment) && index !== segments.length - 1) {
      throw new RangeError(`A greedy parameter must be the last segment: ${resource}`);
    }
  });
  return {
    method: method.toUpperCase(),
    resource,
    value,
    segments,
    literalCount: segments.filter((segment) => !segment.startsWith('{')).length,
    greedy: segments.some((segment) => segment.endsWith('+}')),
  };
}

/**
 * The best route for a request, as API Gateway picks it: an exact method beats ANY, more literal segments beat
 * parameters, and a greedy parameter comes last. Path parameters are URL-decoded.
 */
export function findRoute<T>(
  routes: readonly RouteTemplate<T>[],
  method: string,
  rawPath: string,
): { route: RouteTemplate<T>; pathParameters: Record<string, string> } | undefined {
  const parts = rawPath.split('/').filter((segment) => segment !== '');
  let best: { route: RouteTemplate<T>; pathParameters: Record<string, string> } | undefined;
  for (const route of routes) {
    if (route.method !== method.toUpperCase() && route.method !== 'ANY') continue;
    const pathParameters = matchSegments(route, parts);
    if (pathParameters && (!best || rank(route) > rank(best.route))) best = { route, pathParameters };
  }
  return best;
}

function rank(route: RouteTemplate<unknown>): number {
  return (route.method === 'ANY' ? 0 : 1) + route.literalCount * 2 - (route.greedy ? 1000 : 0);
}

function matchSegments(route: RouteTemplate<unknown>, parts: readonly string[]): Record<string, string> | undefined {
  const params: Record<string, string> = {};
  for (let i = 0; i < route.segments.length; i++) {
    const segment = route.segments[i]!;
    if (segment.endsWith('+}')) {
      const rest = parts.slice(i);
      if (rest.length === 0) return undefined;
      params[segment.slice(1, -2)] = rest.map(safeDecode).join('/');
      return params;
    }
    const part = parts[i];
    if (part === undefined) return undefined;
    if (segment.startsWith('{') && segment.endsWith('}')) params[segment.slice(1, -1)] = safeDecode(part);
    else if (segment !== part) return undefined;
  }
  return parts.length === route.segments.length ? params : undefined;
}

/**
 * True for a path the gateway routes: starting with `/`, without dot segments (`.`, `..`, also percent-encoded as
 * `%2e`, or hidden behind an encoded slash) and without empty segments (`//`; one trailing slash is fine).
 *
 * Such paths are refused before routing because SigV4 signers and verifiers resolve dot segments and drop empty
 * ones in the canonical request while the route and the handler see the path as sent: a signature captured for
 * `/a/b` would otherwise also verify on `/a/x/../b`, and a greedy parameter would hand `x/../b` to the handler.
 */
export function isCanonicalPath(rawPath: string): boolean {
  if (!rawPath.startsWith('/')) return false;
  const segments = rawPath.slice(1).split('/');
  return segments.every((segment, index) => {
    if (segment === '') return index === segments.length - 1;
    return safeDecode(segment)
      .split(/[/\\]/)
      .every((part) => part !== '.' && part !== '..');
  });
}
