/** What several commands share: the session around a command, option getters, naming a user, printing users. */
import { appendFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { canonicalizeUsername, type PublicUser, toPublicUser, USERNAME_PROBLEM_MESSAGES } from '@devauth/core';
import { publicUserBody } from '@devauth/lambda-handlers';
import type { CommandContext } from '../command.js';
import { type DevauthSession, type LoadOptions, openDevauth } from '../environment.js';
import { CliError, UsageError } from '../errors.js';

/** Opens the configured core, runs `body`, and always closes the store (so the process can exit). */
export async function withSession<T>(
  context: CommandContext,
  options: LoadOptions,
  body: (session: DevauthSession) => Promise<T>,
): Promise<T> {
  const session = await openDevauth(context.io.env, { ...options, audit: auditWriter(context) });
  if (session.config.store === 'memory') {
    context.note(
      'warning: DEVAUTH_STORE=memory keeps users in this process only: nothing this command writes outlives it',
    );
  }
  try {
    return await body(session);
  } finally {
    await session.close();
  }
}

/**
 * Where this run's audit lines go: appended to `--audit-log <file>` (created owner-only), or stderr, where a person
 * running the command sees them and a script can keep them. Never stdout, which is the command's result.
 */
function auditWriter(context: CommandContext): (line: string) => void {
  const file = stringOption(context, 'audit-log');
  if (file === undefined) return (line) => context.io.stderr.write(`${line}\n`);
  if (file.trim() === '') throw new UsageError('--audit-log needs a file name', context.name);
  const path = resolve(context.io.cwd, file);
  return (line) => {
    try {
      appendFileSync(path, `${line}\n`, { mode: 0o600 });
    } catch (error) {
      throw new CliError(`cannot write the audit log ${path}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`);
    }
  };
}

export function stringOption(context: CommandContext, name: string): string | undefined {
  const value = context.values[name];
  return typeof value === 'string' ? value : undefined;
}

export function requiredOption(context: CommandContext, name: string): string {
  const value = stringOption(context, name);
  if (value === undefined || value.trim() === '') throw new UsageError(`--${name} is required`, context.name);
  return value;
}

export const flag = (context: CommandContext, name: string): boolean => context.values[name] === true;

/** The value of an option that takes one of `choices`. */
export function choiceOption<T extends string>(
  context: CommandContext,
  name: string,
  choices: readonly T[],
): T | undefined {
  const value = stringOption(context, name);
  if (value === undefined) return undefined;
  if (!(choices as readonly string[]).includes(value)) {
    throw new UsageError(`--${name} must be ${choices.join(' or ')}, not "${value.slice(0, 20)}"`, context.name);
  }
  return value as T;
}

/** The user a command names: `--id <id>`, or a username argument (canonicalized as registration does). */
export async function targetUser(context: CommandContext, session: DevauthSession): Promise<PublicUser> {
  const id = stringOption(context, 'id');
  const [username] = context.positionals;
  if (id !== undefined && username !== undefined) {
    throw new UsageError('name the user by username or by --id, not both', context.name);
  }
  if (id !== undefined) {
    const user = await session.users.findById(id);
    if (!user) throw new CliError(`no user has the id "${id.slice(0, 64)}"`);
    return toPublicUser(user);
  }
  if (username === undefined) throw new UsageError('missing <username> (or --id <user-id>)', context.name);
  const canonical = canonicalizeUsername(username);
  if (!canonical.ok) {
    throw new CliError(
      `"${username.slice(0, 64)}" is not a valid username: ${USERNAME_PROBLEM_MESSAGES[canonical.problem]}`,
    );
  }
  const user = await session.users.findByUsername(canonical.value);
  if (!user) throw new CliError(`no user named "${canonical.value}"`);
  return toPublicUser(user);
}

/** A user as one JSON object: the API's own shape (`/me`, the admin routes), dates as ISO strings. */
export const userJson = (user: PublicUser): Record<string, unknown> => publicUserBody(user);

/** Users as an aligned table: username, role, status, email, id. */
export function userTable(users: readonly PublicUser[], header = true): string[] {
  const rows = users.map((user) => [
    user.username,
    user.role,
    user.status,
    user.email === null ? '-' : `${user.email}${user.emailVerified ? '' : ' (unverified)'}`,
    user.id,
  ]);
  if (header) rows.unshift(['USERNAME', 'ROLE', 'STATUS', 'EMAIL', 'ID']);
  const widths = [0, 1, 2, 3].map((column) => Math.max(...rows.map((row) => row[column]!.length)));
  return rows.map((row) => row.map((cell, column) => (column < 4 ? cell.padEnd(widths[column]!) : cell)).join('  '));
}

/** One changed user, in words or as JSON. */
export function printUser(context: CommandContext, user: PublicUser, words: string): void {
  if (flag(context, 'json')) context.print(JSON.stringify(userJson(user)));
  else context.print(words);
}
