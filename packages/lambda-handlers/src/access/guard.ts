import { type AccessTable, matchRoute } from '@devauth/access';
import { GUEST_ROLE, systemClock, type UserRecord, type UserStore } from '@devauth/core';
import { iamIdentityOf, routeOf } from './caller.js';

export type Caller =
  | { kind: 'guest'; identityId: string | null; role: 'guest' }
  | { kind: 'user'; identityId: string; userId: string; role: string };

export interface GuardOptions {
  table: AccessTable;
  users: Pick<UserStore, 'findByIdentityId'>;
  /**
   * The pool whose identities may call; identities from any other pool are rejected with 401. Required: an IAM
   * identity of another pool (in the same account, or a role that trusts several) must never resolve to our users.
   */
  identityPoolId: string;
  /**
   * How long a lookup (found or not) is reused, in seconds. Default 30; 0 disables the cache. It bounds how long a
   * disabled user or a lowered role still passes the guard on a warm instance (revocation stops new credentials; the
   * guard refuses credentials already issued once its cache entry expires).
   */
  cacheTtlSeconds?: number;
  clock?: { now(): Date };
}

export type GuardDecision =
  | { allowed: true; caller: Caller }
  | { allowed: false; statusCode: 401 | 403; caller: Caller | null; reason: string };

export interface Guard {
  authorize(event: unknown, route?: { method: string; path: string }): Promise<GuardDecision>;
}

/** Bound on cached lookups so a flood of distinct identities cannot grow a warm Lambda's memory without limit. */
const MAX_CACHE_ENTRIES = 10_000;

/**
 * The in-Lambda check behind API Gateway's IAM check. IAM already proved who the caller is and that its role tag
 * may invoke the route; the guard re-resolves the role from our store because session tags are not in the event and
 * because a disabled user or a changed role must take effect before the caller's credentials expire (up to 1 h).
 *
 * Lookups are cached per identity for `cacheTtlSeconds`, misses too (so unknown identities cannot hammer the
 * store); a role change or disable therefore takes effect within that TTL. Store errors propagate (a 5xx, not a
 * 401/403) and are not cached.
 */
export function createGuard(options: GuardOptions): Guard {
  if (typeof options.identityPoolId !== 'string' || !/^[\w-]+:[0-9a-f-]+$/.test(options.identityPoolId)) {
    throw new Error('createGuard: identityPoolId is required ("<region>:<guid>").');
  }
  const ttlMs = (options.cacheTtlSeconds ?? 30) * 1000;
  if (!Number.isFinite(ttlMs) || ttlMs < 0) throw new Error('createGuard: cacheTtlSeconds must be >= 0.');
  const clock = options.clock ?? systemClock;
  const cache = new Map<string, { user: UserRecord | null; expiresAt: number }>();
  // Concurrent requests for one identity share a single store call.
  const pending = new Map<string, Promise<UserRecord | null>>();

  async function lookup(identityId: string): Promise<UserRecord | null> {
    const now = clock.now().getTime();
    const hit = cache.get(identityId);
    if (hit && hit.expiresAt > now) return hit.user;
    if (hit) cache.delete(identityId);
    const inFlight = pending.get(identityId);
    if (inFlight) return inFlight;
    const promise = options.users.findByIdentityId(identityId).finally(() => pending.delete(identityId));
    pending.set(identityId, promise);
    const user = await promise;
    if (ttlMs > 0) {
      if (cache.size >= MAX_CACHE_ENTRIES) {
        // Maps iterate in insertion order: dropping the first key evicts the oldest entry.
        const oldest = cache.keys().next();
        if (!oldest.done) cache.delete(oldest.value);
      }
      cache.set(identityId, { user, expiresAt: clock.now().getTime() + ttlMs });
    }
    return user;
  }

  async function authorize(event: unknown, route?: { method: string; path: string }): Promise<GuardDecision> {
    const identity = iamIdentityOf(event);
    if (!identity) return deny(401, null, 'No valid Cognito IAM identity on the request.');
    if (identity.identityPoolId !== options.identityPoolId) {
      return deny(401, null, 'The identity belongs to another identity pool.');
    }

    let caller: Caller;
    if (identity.authenticationType === 'unauthenticated') {
      caller = { kind: 'guest', identityId: identity.identityId, role: GUEST_ROLE };
    } else {
      const user = await lookup(identity.identityId);
      if (!user) return deny(403, null, 'No user is linked to this identity.');
      if (user.status !== 'active') return deny(403, null, 'The user is disabled.');
      // A stored user is never a guest; a record claiming so is treated as corrupt rather than trusted.
      if (user.role === GUEST_ROLE) return deny(403, null, 'The user has an invalid role.');
      caller = { kind: 'user', identityId: identity.identityId, userId: user.id, role: user.role };
    }

    const target = route ?? routeOf(event);
    const match = target ? matchRoute(options.table, target.method, target.path) : undefined;
    if (!match) return deny(403, caller, 'Unknown route.');
    if (!match.route.roles.includes(caller.role)) {
      return deny(403, caller, `Role "${caller.role}" may not call ${match.route.method} ${match.route.path}.`);
    }
    return { allowed: true, caller };
  }

  return { authorize };
}

function deny(statusCode: 401 | 403, caller: Caller | null, reason: string): GuardDecision {
  return { allowed: false, statusCode, caller, reason };
}
