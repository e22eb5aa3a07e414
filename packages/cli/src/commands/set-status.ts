import type { CommandContext } from '../command.js';
import { adminOf } from '../use-cases.js';
import { printUser, targetUser, withSession } from './shared.js';

/** `devauth disable` and `devauth enable` (one module: the command's name says which). */
export async function run(context: CommandContext): Promise<number> {
  const status = context.name === 'disable' ? 'disabled' : 'active';
  // Disabling revokes the user's access through the broker; enabling calls nothing but the store.
  return withSession(context, { identityPool: status === 'disabled' }, async (session) => {
    const before = await targetUser(context, session);
    const user = await adminOf(session).setStatus(context.actor, before.id, status);
    const words =
      before.status === user.status
        ? `${user.username} is already ${user.status === 'active' ? 'enabled' : 'disabled'}: nothing changed`
        : user.status === 'disabled'
          ? `${user.username}: disabled; sessions revoked, logins refused`
          : `${user.username}: enabled`;
    printUser(context, user, words);
    return 0;
  });
}
