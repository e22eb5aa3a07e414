import { DEFAULT_ROLES, GUEST_ROLE } from '@devauth/core';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'HEAD' | 'OPTIONS';

export const HTTP_METHODS: readonly HttpMethod[] = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'];

/** One API route and the roles allowed to call it. `path` uses API Gateway templates: `/products/{id}`. */
export interface RouteAccess {
  readonly method: HttpMethod;
  readonly path: string;
  readonly roles: readonly string[];
}

/**
 * The single source of truth for "who may call what". IAM policies, the in-Lambda guard and the local gateway are
 * all derived from it, so they cannot drift apart.
 */
export interface AccessTable {
  readonly routes: readonly RouteAccess[];
}

/**
 * The known roles when a table names none: `guest` and the core's DEFAULT_ROLES (`shopper`, `seller`, `admin`), so a
 * table of the default deployment (its admin routes included) validates without a `roles` option.
 */
export const DEFAULT_ACCESS_ROLES: readonly string[] = Object.freeze([GUEST_ROLE, ...DEFAULT_ROLES]);

/**
 * Literal segments are limited to RFC 3986 unreserved characters: they are copied verbatim into execute-api ARNs,
 * where `*` and `?` would be wildcards and other characters would need escaping that IAM does not do.
 */
const LITERAL_SEGMENT = /^[A-Za-z0-9._~-]+$/;
const PARAM_SEGMENT = /^\{([A-Za-z_][A-Za-z0-9_]*)\}$/;
/** Same alphabet as the core's role names: roles travel as the `role` principal tag and into IAM conditions. */
const ROLE_NAME = /^[a-z][a-z0-9_-]{0,63}$/;

type Segment = { kind: 'literal'; value: string } | { kind: 'param'; name: string };

/** Parses a path template, or returns an error message. The root is `/`; no empty segments, no trailing slash. */
function parseTemplate(path: string): Segment[] | string {
  if (typeof path !== 'string' || !path.startsWith('/')) return 'must start with "/"';
  if (path === '/') return [];
  const segments: Segment[] = [];
  const names = new Set<string>();
  for (const raw of path.slice(1).split('/')) {
    if (raw === '') return 'must not contain empty segments or a trailing slash';
    const param = PARAM_SEGMENT.exec(raw);
    if (param) {
      const name = param[1]!;
      if (names.has(name)) return `repeats the parameter "{${name}}"`;
      names.add(name);
      segments.push({ kind: 'param', name });
    } else if (LITERAL_SEGMENT.test(raw)) {
      segments.push({ kind: 'literal', value: raw });
    } else {
      // Covers greedy `{proxy+}` too: a greedy route would grant more than the table lists.
      return `has an invalid segment "${raw}" (use letters, digits, "._~-" or a {param})`;
    }
  }
  return segments;
}

/** Parsed templates, kept out of the public shape so an AccessTable stays a plain, serialisable object. */
const parsedRoutes = new WeakMap<AccessTable, ReadonlyArray<{ route: RouteAccess; segments: Segment[] }>>();

/** The segments of a valid template; throws on an invalid one (used by the ARN builder). */
export function templateSegments(path: string): ReadonlyArray<Segment> {
  const parsed = parseTemplate(path);
  if (typeof parsed === 'string') throw new Error(`Route path "${String(path)}" ${parsed}.`);
  return parsed;
}

export function isHttpMethod(value: unknown): value is HttpMethod {
  return typeof value === 'string' && (HTTP_METHODS as readonly string[]).includes(value);
}

/**
 * Validates and freezes a table. `options.roles` lists the known roles; `guest` (the unauthenticated caller) is
 * always known, so the core's DEFAULT_ROLES can be passed as is.
 */
export function defineAccessTable(
  routes: readonly RouteAccess[],
  options: { roles?: readonly string[] } = {},
): AccessTable {
  const known = new Set([GUEST_ROLE, ...(options.roles ?? DEFAULT_ACCESS_ROLES)]);
  for (const role of known) {
    if (typeof role !== 'string' || !ROLE_NAME.test(role)) {
      throw new Error(`Access table: role "${String(role)}" must match ${ROLE_NAME.source}.`);
    }
  }
  if (!Array.isArray(routes)) throw new Error('Access table: routes must be an array.');
  const seen = new Map<string, string>();
  const parsed: Array<{ route: RouteAccess; segments: Segment[] }> = [];
  for (const route of routes) {
    const label = `${String(route?.method)} ${String(route?.path)}`;
    if (!isHttpMethod(route?.method)) {
      throw new Error(`Access table: "${label}" has an unknown method (expected one of ${HTTP_METHODS.join(', ')}).`);
    }
    const segments = parseTemplate(route.path);
    if (typeof segments === 'string') throw new Error(`Access table: "${label}": path ${segments}.`);
    if (!Array.isArray(route.roles) || route.roles.length === 0) {
      // An empty list would silently deny everyone; leaving the route out says that explicitly.
      throw new Error(`Access table: "${label}" must list at least one role.`);
    }
    for (const role of route.roles) {
      if (!known.has(role)) {
        throw new Error(
          `Access table: "${label}" lists unknown role "${String(role)}" (known: ${[...known].join(', ')}).`,
        );
      }
    }
    if (new Set(route.roles).size !== route.roles.length) {
      throw new Error(`Access table: "${label}" lists a role twice.`);
    }
    // Parameter names do not matter to API Gateway: /a/{id} and /a/{key} are the same route.
    const shape = `${route.method} /${segments.map((s) => (s.kind === 'literal' ? s.value : '{}')).join('/')}`;
    const previous = seen.get(shape);
    if (previous !== undefined) throw new Error(`Access table: "${label}" duplicates "${previous}".`);
    seen.set(shape, label);
    const frozen: RouteAccess = Object.freeze({
      method: route.method,
      path: route.path,
      roles: Object.freeze([...route.roles]),
    });
    parsed.push({ route: frozen, segments });
  }
  const table: AccessTable = Object.freeze({ routes: Object.freeze(parsed.map((p) => p.route)) });
  parsedRoutes.set(table, parsed);
  return table;
}

function parsedOf(table: AccessTable): ReadonlyArray<{ route: RouteAccess; segments: Segment[] }> {
  const cached = parsedRoutes.get(table);
  if (cached) return cached;
  // A hand-built table (not from defineAccessTable) is validated on first use rather than trusted.
  const defined = defineAccessTable(table.routes, {
    roles: [...new Set(table.routes.flatMap((r) => r.roles))],
  });
  const parsed = parsedRoutes.get(defined)!;
  parsedRoutes.set(table, parsed);
  return parsed;
}

/**
 * Finds the route for a request. Like API Gateway, a literal segment beats a parameter at the same position, so
 * `/products/new` wins over `/products/{id}`. Paths are matched raw (case-sensitive, not decoded); parameter values
 * are percent-decoded. Method names are compared case-insensitively.
 */
export function matchRoute(
  table: AccessTable,
  method: string,
  path: string,
): { route: RouteAccess; params: Record<string, string> } | undefined {
  if (typeof method !== 'string' || typeof path !== 'string' || !path.startsWith('/')) return undefined;
  const upper = method.toUpperCase();
  const parts = path === '/' ? [] : path.slice(1).split('/');
  let best: { route: RouteAccess; params: Record<string, string>; rank: string } | undefined;
  for (const { route, segments } of parsedOf(table)) {
    if (route.method !== upper || segments.length !== parts.length) continue;
    const params: Record<string, string> = {};
    let rank = '';
    let ok = true;
    for (let i = 0; i < segments.length && ok; i++) {
      const segment = segments[i]!;
      const part = parts[i]!;
      if (segment.kind === 'literal') {
        ok = segment.value === part;
        rank += '0';
      } else {
        ok = part !== '';
        params[segment.name] = safeDecode(part);
        rank += '1';
      }
    }
    // Lower rank = literal earlier = more specific (ranks have equal length here).
    if (ok && (best === undefined || rank < best.rank)) best = { route, params, rank };
  }
  return best && { route: best.route, params: best.params };
}

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

/** Whether `role` may call the route matched by method and path. Unknown routes are denied. */
export function isAllowed(table: AccessTable, method: string, path: string, role: string): boolean {
  const match = matchRoute(table, method, path);
  return match?.route.roles.includes(role) === true;
}

/** The demo shop's table. */
export const EXAMPLE_ACCESS_TABLE: AccessTable = defineAccessTable([
  { method: 'GET', path: '/products', roles: [GUEST_ROLE, 'shopper', 'seller'] },
  { method: 'POST', path: '/products', roles: ['seller'] },
  { method: 'GET', path: '/orders', roles: ['shopper', 'seller'] },
  { method: 'DELETE', path: '/products/{id}', roles: ['seller'] },
]);
