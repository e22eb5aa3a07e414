import { ADMIN_ROLE } from '@devauth/core';
import { HANDLER_ENV } from '@devauth/lambda-handlers/env';
import type { CommandContext } from '../command.js';
import { loadCliConfig } from '../environment.js';
import { CliError } from '../errors.js';
import { readNewPassword } from '../password-input.js';
import { flag, printUser, requiredOption, stringOption, withSession } from './shared.js';

/** `devauth create-admin`: registers a user with the admin role, as the operator. */
export async function run(context: CommandContext): Promise<number> {
  const username = requiredOption(context, 'username');
  const email = stringOption(context, 'email');
  // The configuration first, so a mistake there is reported before anyone types a password.
  await loadCliConfig(context.io.env, { identityPool: false });
  const password = await readNewPassword(context.io, flag(context, 'password-stdin'));
  return withSession(context, { identityPool: false }, async ({ devauth }) => {
    if (!devauth.config.roles.includes(ADMIN_ROLE)) {
      throw new CliError(
        `the role "${ADMIN_ROLE}" is not configured (${HANDLER_ENV.roles} lists ${devauth.config.roles.join(', ')}): ` +
          `add ${ADMIN_ROLE} to ${HANDLER_ENV.roles}`,
      );
    }
    const user = await devauth.register.execute(
      { username, password, role: ADMIN_ROLE, ...(email === undefined ? {} : { email }) },
      { actor: { isAdministrator: true } },
    );
    printUser(context, user, `created admin ${user.username} (id ${user.id})`);
    return 0;
  });
}
