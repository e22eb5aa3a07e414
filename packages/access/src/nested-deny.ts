/**
 * The Deny half of the generated policies: the resources that keep a route's `{param}` wildcard from reaching deeper
 * paths.
 *
 * A route ARN has one `*` per `{param}`, and IAM's `*` matches any run of characters, `/` included (IAM JSON policy
 * elements: Resource, https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_resource.html).
 * So `DELETE/products/*` also allows `DELETE/products/a/b`. IAM has no pattern for "one segment", and NotResource
 * does not help either: a Deny with `NotResource: [".../products/*"]` spares exactly what the Allow over-grants. What
 * can be expressed is "this `*` spans at least k slashes": replace the `*` by `*` followed by k times `/*` (the
 * "nested form"). A Deny of the nested form with k = 1 removes every deeper path, unless it would also deny a deeper
 * route the same role is allowed (`DELETE /products/{id}/reviews` for `DELETE /products/{id}`): explicit Deny always
 * wins, so such a Deny is never emitted. For that star the smallest k whose nested form meets no allowed route is
 * used instead, and the paths in between (`DELETE /products/a/b`, as deep as the deeper route) stay allowed by IAM:
 * they are reported as gaps, which the in-Lambda guard (exact route match) closes for devauth's own handlers.
 */

export interface NestedPathGap {
  /** The role whose policy still allows part of a route's nested form. */
  readonly role: string;
  /** The route whose `{param}` reaches deeper, e.g. `GET /products/{id}`. */
  readonly route: string;
  /** The same role's deeper routes that a full Deny would have blocked, e.g. `GET /products/{id}/reviews`. */
  readonly deeperRoutes: readonly string[];
  /** The nested form that is denied; paths the route's ARN matches that are less deep than this stay allowed. */
  readonly deniedFrom: string;
}

/** One allowed route of a role: its label (`METHOD /path`), method and execute-api ARN (a `*` per `{param}`). */
export interface AllowedRoute {
  readonly label: string;
  readonly method: string;
  readonly arn: string;
}

/**
 * The Deny resources for one role (compacted) and the gaps left. `methodPrefix(method)` is the ARN up to and
 * including `METHOD/`, used for the per-method "deeper than any route" form.
 */
export function nestedDenyResources(
  role: string,
  routes: readonly AllowedRoute[],
  methodPrefix: (method: string) => string,
): { resources: string[]; gaps: NestedPathGap[] } {
  const denied: Array<{ method: string; resource: string }> = [];
  const gaps: NestedPathGap[] = [];
  // The allowed routes some request matching `resource` would belong to.
  const meets = (resource: string) =>
    routes.filter((other) => intersects(globTokens(resource), templateTokens(other.arn)));
  for (const route of routes) {
    for (const star of starPositions(route.arn)) {
      // A nested form needs at least k more slashes than the route has; with more than the deepest allowed route
      // has, it meets none, so the search ends by then.
      let k = 1;
      while (meets(nestedForm(route.arn, star, k)).length > 0) k++;
      const resource = nestedForm(route.arn, star, k);
      denied.push({ method: route.method, resource });
      if (k > 1) {
        const deeperRoutes = meets(nestedForm(route.arn, star, 1)).map((other) => other.label);
        gaps.push({ role, route: route.label, deeperRoutes, deniedFrom: resource });
      }
    }
  }
  return { resources: compact(denied, routes, methodPrefix), gaps };
}

function nestedForm(arn: string, star: number, k: number): string {
  return `${arn.slice(0, star)}*${'/*'.repeat(k)}${arn.slice(star + 1)}`;
}

function starPositions(arn: string): number[] {
  const positions: number[] = [];
  for (let i = arn.indexOf('*'); i !== -1; i = arn.indexOf('*', i + 1)) positions.push(i);
  return positions;
}

/**
 * Keeps the Deny list short (policy size is limited): per method, `METHOD/*` followed by D times `/*` (at least
 * D + 1 segments, where D is the role's deepest route for that method, so it can never match an allowed route)
 * replaces the nested forms it covers when it is shorter than they are together; then any resource another one
 * covers is dropped.
 */
function compact(
  denied: ReadonlyArray<{ method: string; resource: string }>,
  routes: readonly AllowedRoute[],
  methodPrefix: (method: string) => string,
): string[] {
  let resources = [...new Set(denied.map((d) => d.resource))];
  for (const method of new Set(denied.map((d) => d.method))) {
    const prefix = methodPrefix(method);
    const depth = Math.max(
      ...routes.filter((r) => r.method === method).map((r) => r.arn.slice(prefix.length).split('/').length),
    );
    const deeper = `${prefix}*${'/*'.repeat(depth)}`;
    const covered = resources.filter((r) => covers(deeper, r));
    if (deeper.length < covered.reduce((sum, r) => sum + r.length, 0)) {
      resources = [...resources.filter((r) => !covered.includes(r)), deeper];
    }
  }
  return resources.filter((r, i) => !resources.some((other, j) => j !== i && covers(other, r) && !covers(r, other)));
}

/** A character class: one exact character, any character, or any character but `/`. */
type Token =
  | { readonly kind: 'char'; readonly char: string }
  | { readonly kind: 'one' | 'many'; readonly slash: boolean };

/** An IAM resource pattern: `*` is any run (also of `/`), `?` any one character. */
function globTokens(pattern: string): Token[] {
  return [...pattern].map((c): Token => {
    if (c === '*') return { kind: 'many', slash: true };
    if (c === '?') return { kind: 'one', slash: true };
    return { kind: 'char', char: c };
  });
}

/**
 * The concrete requests of a route: each `*` of its ARN is one `{param}` value, a non-empty run without `/` (table
 * literals never contain `*` or `?`, so every `*` is a parameter).
 */
function templateTokens(arn: string): Token[] {
  return [...arn].flatMap((c): Token[] =>
    c === '*'
      ? [
          { kind: 'one', slash: false },
          { kind: 'many', slash: false },
        ]
      : [{ kind: 'char', char: c }],
  );
}

/** Whether two tokens can consume the same character. */
function overlap(a: Token, b: Token): boolean {
  if (a.kind === 'char') return b.kind === 'char' ? a.char === b.char : a.char !== '/' || b.slash;
  if (b.kind === 'char') return b.char !== '/' || a.slash;
  // Two classes: both hold every character but '/'.
  return true;
}

/** Whether some string matches both token sequences: a search over pairs of positions (their product automaton). */
function intersects(a: readonly Token[], b: readonly Token[]): boolean {
  const seen = new Set<number>();
  const stack: Array<[number, number]> = [[0, 0]];
  const width = b.length + 1;
  while (stack.length > 0) {
    const [i, j] = stack.pop()!;
    if (seen.has(i * width + j)) continue;
    seen.add(i * width + j);
    if (i === a.length && j === b.length) return true;
    const x = a[i];
    const y = b[j];
    if (x?.kind === 'many') stack.push([i + 1, j]);
    if (y?.kind === 'many') stack.push([i, j + 1]);
    if (x && y && overlap(x, y)) {
      const ni = x.kind === 'many' ? i : i + 1;
      const nj = y.kind === 'many' ? j : j + 1;
      if (ni !== i || nj !== j) stack.push([ni, nj]);
    }
  }
  return false;
}

/**
 * Whether every string `specific` matches also matches `general` (both IAM patterns). Sound, not complete: `general`
 * must match `specific` read as text, where its `*` may take any of `specific`'s characters or wildcards, its `?` a
 * character or a `?`, and its literals only the same literal. Only used to drop redundant resources, so a miss only
 * costs size.
 */
export function covers(general: string, specific: string): boolean {
  const g = [...general];
  const s = [...specific];
  let row = new Array<boolean>(s.length + 1).fill(false);
  row[0] = true;
  for (let i = 1; i <= g.length; i++) {
    const next = new Array<boolean>(s.length + 1).fill(false);
    const p = g[i - 1]!;
    next[0] = p === '*' && row[0]!;
    for (let j = 1; j <= s.length; j++) {
      const c = s[j - 1]!;
      if (p === '*') next[j] = row[j]! || next[j - 1]!;
      else if (p === '?') next[j] = row[j - 1]! && c !== '*';
      else next[j] = row[j - 1]! && c === p;
    }
    row = next;
  }
  return row[s.length]!;
}
