import type { DevauthPaths } from './auth-client.js';
import { DevauthClientError, errorFromResponse } from './errors.js';
import type { SignedFetch } from './signed-fetch.js';
import type { DevauthUser } from './types.js';

/** A user's status: a `disabled` user cannot log in, and disabling ends its sessions. */
export type UserStatus = DevauthUser['status'];

/** Filters of `listUsers` (all optional, combined with AND), and the page to read. */
export interface AdminUserQuery {
  /** Usernames starting with this (canonicalized by the server as registration canonicalizes usernames). */
  readonly usernamePrefix?: string;
  readonly email?: string;
  readonly role?: string;
  readonly status?: UserStatus;
  /** `nextCursor` of the previous page, with the same filters (another filter makes it VALIDATION_FAILED). */
  readonly cursor?: string;
  /** Users per page (the server's default when absent, at most its page limit). */
  readonly limit?: number;
}

/** One page of users, in username order. */
export interface AdminUserPage {
  readonly users: DevauthUser[];
  /** Pass it back as `cursor` for the next page; null at the end. A page may be short, even empty, before the end. */
  readonly nextCursor: string | null;
}

export type InvitationStatus = 'pending' | 'used' | 'expired';

/**
 * An invitation as administrators see it: never its code. `id` is the digest of the code: it names the invitation
 * (to revoke it) and reveals nothing of the code.
 */
export interface InvitationSummary {
  readonly id: string;
  readonly role: string;
  readonly createdAt: string;
  readonly expiresAt: string;
  /** When a registration consumed it; null while unused. */
  readonly usedAt: string | null;
  readonly status: InvitationStatus;
}

export interface CreateInvitationInput {
  /** The role a registration with the code gets. */
  readonly role: string;
  /** Lifetime (the server's default when absent). */
  readonly ttlSeconds?: number;
}

/** A new invitation: `code` is shown this once (hand it to the invitee); `id` revokes it. */
export interface CreatedInvitation {
  readonly id: string;
  readonly code: string;
  readonly role: string;
  readonly expiresAt: string;
}

export interface AdminInvitationQuery {
  readonly cursor?: string;
  readonly limit?: number;
}

/** One page of invitations, newest first, used and expired ones included. */
export interface AdminInvitationPage {
  readonly invitations: InvitationSummary[];
  readonly nextCursor: string | null;
}

/**
 * The admin routes (signed, AWS_IAM), for a signed-in user of the `admin` role; anyone else gets 403 `FORBIDDEN`
 * from the gateway or `ADMIN_REQUIRED` from devauth. Unknown ids reject with `USER_NOT_FOUND` or
 * `INVITATION_NOT_FOUND`; changing one's own role, disabling or deleting one's own account with `ADMIN_SELF_CHANGE`.
 */
export interface AdminClient {
  /** One page of users (`GET /admin/users?…`, only the fields that are set). */
  listUsers(query?: AdminUserQuery): Promise<AdminUserPage>;
  /** Every user matching the filters, following `nextCursor` page by page (each page is read when reached). */
  allUsers(query?: AdminUserQuery): AsyncIterableIterator<DevauthUser>;
  getUser(userId: string): Promise<DevauthUser>;
  /** Any configured role; a change ends the user's sessions (its credentials carry the old role). */
  setRole(userId: string, role: string): Promise<DevauthUser>;
  /** `disabled` ends the user's sessions at once; `active` enables the account again. */
  setStatus(userId: string, status: UserStatus): Promise<DevauthUser>;
  disableUser(userId: string): Promise<DevauthUser>;
  enableUser(userId: string): Promise<DevauthUser>;
  /** Deletes the account and everything stored with it. */
  deleteUser(userId: string): Promise<void>;
  /** Ends every session of the user (it may log in again). */
  revokeSessions(userId: string): Promise<{ revokedSessions: number }>;
  createInvitation(input: CreateInvitationInput): Promise<CreatedInvitation>;
  listInvitations(query?: AdminInvitationQuery): Promise<AdminInvitationPage>;
  revokeInvitation(invitationId: string): Promise<void>;
}

export interface AdminClientOptions {
  /** Without a trailing slash. */
  readonly baseUrl: string;
  readonly paths: Pick<DevauthPaths, 'adminUsers' | 'adminInvitations'>;
  readonly signedFetch: SignedFetch;
  readonly now?: () => number;
}

type QueryValue = string | number | null | undefined;

/** `?a=1&b=2` of the fields that are set (in the given order), or '' when none is. */
function queryString(fields: Record<string, QueryValue>): string {
  const pairs = Object.entries(fields)
    .filter((entry): entry is [string, string | number] => entry[1] !== undefined && entry[1] !== null)
    // encodeURIComponent, not URLSearchParams: a space travels as %20, never as `+`, which the signer (reading the
    // decoded value) and a gateway canonicalizing the raw query might not read alike.
    .map(([name, value]) => `${encodeURIComponent(name)}=${encodeURIComponent(String(value))}`);
  return pairs.length === 0 ? '' : `?${pairs.join('&')}`;
}

/**
 * One path segment, encoded. An empty, `.` or `..` segment is refused before any request: URLs resolve dot segments
 * (`%2E` included), so `/admin/users/./sessions` would become `/admin/users/sessions`, another route.
 */
function segment(field: string, value: string): string {
  let encoded = '';
  try {
    encoded = typeof value === 'string' ? encodeURIComponent(value) : '';
  } catch {
    // a lone surrogate: not an id
  }
  if (!/^(|\.|\.\.)$/.test(encoded)) return encoded;
  throw new DevauthClientError({
    code: 'VALIDATION_FAILED',
    message: `${field} must be a non-empty id other than "." and ".."`,
    status: 0,
    issues: [
      { path: [field], code: 'invalid_path_segment', message: 'must be a non-empty string other than "." and ".."' },
    ],
  });
}

export function createAdminClient(options: AdminClientOptions): AdminClient {
  const { baseUrl, paths, signedFetch } = options;
  const now = options.now ?? Date.now;
  const user = (userId: string) => `${paths.adminUsers}/${segment('userId', userId)}`;

  /** A signed call with an optional JSON body; its status and JSON answer (undefined for an empty one, as a 204). */
  async function call(method: string, path: string, body?: unknown) {
    const response = await signedFetch(`${baseUrl}${path}`, {
      method,
      ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
    });
    if (!response.ok) throw await errorFromResponse(response, now());
    const text = await response.text();
    if (!text) return { status: response.status, body: undefined };
    try {
      return { status: response.status, body: JSON.parse(text) as Record<string, unknown> | null };
    } catch (cause) {
      throw unexpected(method, path, response.status, cause);
    }
  }
  /** The answer's `key`, which must be there: an object (`user`, `invitation`) or a number. */
  async function answer<T>(key: string, kind: 'object' | 'number', method: string, path: string, body?: unknown) {
    const result = await call(method, path, body);
    const value = result.body?.[key];
    if (typeof value !== kind || value === null) throw unexpected(method, path, result.status);
    return value as T;
  }
  async function page(key: 'users' | 'invitations', path: string) {
    const result = await call('GET', path);
    const items = result.body?.[key];
    const nextCursor = result.body?.nextCursor;
    if (!Array.isArray(items) || (nextCursor !== null && typeof nextCursor !== 'string')) {
      throw unexpected('GET', path, result.status);
    }
    return { items, nextCursor };
  }

  const listUsers = async (query: AdminUserQuery = {}): Promise<AdminUserPage> => {
    const { items, nextCursor } = await page(
      'users',
      `${paths.adminUsers}${queryString({
        usernamePrefix: query.usernamePrefix,
        email: query.email,
        role: query.role,
        status: query.status,
        cursor: query.cursor,
        limit: query.limit,
      })}`,
    );
    return { users: items as DevauthUser[], nextCursor };
  };
  // async throughout: a refused segment rejects like any other failure, it never throws synchronously.
  const setStatus = async (userId: string, status: UserStatus) =>
    answer<DevauthUser>('user', 'object', 'PUT', `${user(userId)}/status`, { status });

  return {
    listUsers,
    async *allUsers(query = {}) {
      let cursor = query.cursor;
      for (;;) {
        const result = await listUsers({ ...query, ...(cursor === undefined ? {} : { cursor }) });
        yield* result.users;
        if (result.nextCursor === null) return;
        // A server that hands back the cursor it was given would loop forever.
        if (result.nextCursor === cursor) throw unexpected('GET', paths.adminUsers, 200);
        cursor = result.nextCursor;
      }
    },
    getUser: async (userId) => answer<DevauthUser>('user', 'object', 'GET', user(userId)),
    setRole: async (userId, role) => answer<DevauthUser>('user', 'object', 'PUT', `${user(userId)}/role`, { role }),
    setStatus,
    disableUser: (userId) => setStatus(userId, 'disabled'),
    enableUser: (userId) => setStatus(userId, 'active'),
    async deleteUser(userId) {
      await call('DELETE', user(userId));
    },
    async revokeSessions(userId) {
      const path = `${user(userId)}/sessions`;
      return { revokedSessions: await answer<number>('revokedSessions', 'number', 'DELETE', path) };
    },
    createInvitation: async (input) =>
      answer<CreatedInvitation>('invitation', 'object', 'POST', paths.adminInvitations, {
        role: input.role,
        ...(input.ttlSeconds === undefined ? {} : { ttlSeconds: input.ttlSeconds }),
      }),
    async listInvitations(query = {}) {
      const path = `${paths.adminInvitations}${queryString({ cursor: query.cursor, limit: query.limit })}`;
      const { items, nextCursor } = await page('invitations', path);
      return { invitations: items as InvitationSummary[], nextCursor };
    },
    async revokeInvitation(invitationId) {
      await call('DELETE', `${paths.adminInvitations}/${segment('invitationId', invitationId)}`);
    },
  };
}

function unexpected(method: string, path: string, status: number, cause?: unknown): DevauthClientError {
  return new DevauthClientError({
    code: 'HTTP_ERROR',
    message: `Unexpected body from ${method} ${path}`,
    status,
    ...(cause === undefined ? {} : { cause }),
  });
}
