import type { CommandContext } from '../command.js';
import { adminOf } from '../use-cases.js';
import { printUser, requiredOption, targetUser, withSession } from './shared.js';

/** `devauth set-role`: a change revokes the user's sessions and Cognito link (the broker is needed). */
export async function run(context: CommandContext): Promise<number> {
  const role = requiredOption(context, 'role');
  return withSession(context, { identityPool: true }, async (session) => {
    const before = await targetUser(context, session);
    const user = await adminOf(session).setRole(context.actor, before.id, role);
    printUser(
      context,
      user,
      before.role === user.role
        ? `${user.username} already has the role ${user.role}: nothing changed`
        : `${user.username}: role ${user.role} (was ${before.role}); sessions revoked, the next login gets the new role`,
    );
    return 0;
  });
}
