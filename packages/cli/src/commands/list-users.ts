import type { CommandContext } from '../command.js';
import { UsageError } from '../errors.js';
import { adminOf } from '../use-cases.js';
import { choiceOption, flag, stringOption, userJson, userTable, withSession } from './shared.js';

const MAX_LIMIT = 100;

/** `devauth list-users`: one page (or every page with --all); the next page's cursor on stderr. */
export async function run(context: CommandContext): Promise<number> {
  const limitText = stringOption(context, 'limit') ?? '50';
  const limit = /^\d{1,3}$/.test(limitText) ? Number(limitText) : Number.NaN;
  if (!(limit >= 1 && limit <= MAX_LIMIT)) {
    throw new UsageError(`--limit must be a number from 1 to ${MAX_LIMIT}`, context.name);
  }
  const status = choiceOption(context, 'status', ['active', 'disabled'] as const);
  const filter = {
    ...optional('usernamePrefix', stringOption(context, 'prefix')),
    ...optional('email', stringOption(context, 'email')),
    ...optional('role', stringOption(context, 'role')),
    ...optional('status', status),
  };
  const json = flag(context, 'json');
  const all = flag(context, 'all');
  return withSession(context, { identityPool: false }, async (session) => {
    const admin = adminOf(session);
    let cursor = stringOption(context, 'cursor');
    let shown = 0;
    for (;;) {
      const page = await admin.listUsers(context.actor, { ...filter, limit, ...optional('cursor', cursor) });
      if (json) for (const user of page.users) context.print(JSON.stringify(userJson(user)));
      else if (page.users.length > 0) for (const line of userTable(page.users, shown === 0)) context.print(line);
      shown += page.users.length;
      if (page.nextCursor === null) break;
      if (!all) {
        context.note(`more users follow: add --cursor ${page.nextCursor} for the next page`);
        break;
      }
      cursor = page.nextCursor;
    }
    if (shown === 0) context.note('no users match');
    return 0;
  });
}

function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}
