import type { CommandContext } from '../command.js';
import { parseDuration } from '../duration.js';
import { adminOf } from '../use-cases.js';
import { flag, requiredOption, stringOption, withSession } from './shared.js';

/**
 * `devauth create-invitation`: the code alone on stdout (so `CODE=$(devauth create-invitation ...)` works), what it
 * is on stderr. Only its digest is stored: this is the one time it is shown.
 */
export async function run(context: CommandContext): Promise<number> {
  const role = requiredOption(context, 'role');
  const expires = stringOption(context, 'expires');
  const ttlSeconds = expires === undefined ? undefined : parseDuration(expires, '--expires');
  return withSession(context, { identityPool: false }, async (session) => {
    const invitation = await adminOf(session).createInvitation(context.actor, {
      role,
      ...(ttlSeconds === undefined ? {} : { ttlSeconds }),
    });
    const expiresAt = invitation.expiresAt.toISOString();
    if (flag(context, 'json')) {
      context.print(JSON.stringify({ id: invitation.id, code: invitation.code, role: invitation.role, expiresAt }));
    } else {
      context.print(invitation.code);
      context.note(
        `invitation for role ${invitation.role}, single use, expires ${expiresAt} (id ${invitation.id}); ` +
          'the code is shown only this once',
      );
    }
    return 0;
  });
}
