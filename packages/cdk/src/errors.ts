import { Token } from 'aws-cdk-lib';

/**
 * A devauth construct was given props it cannot deploy. Thrown while the app is built (before `cdk synth` writes
 * anything), so a mistake in the route table or in a setting fails on the developer's machine, not half-way through a
 * CloudFormation deployment. The message starts with the construct's path.
 */
export class DevauthConstructError extends Error {
  override readonly name = 'DevauthConstructError';

  constructor(
    /** Path of the construct that refused its props (e.g. `Stack/Devauth/IdentityPool`). */
    readonly constructPath: string,
    message: string,
  ) {
    super(`${constructPath}: ${message}`);
  }
}

/** The scope part every devauth construct has; only its path is read. */
interface Pathed {
  readonly node: { readonly path: string };
}

/** Fails unless `value` is a plain string known now: it is validated, or copied into IAM policies, at synth time. */
export function assertLiteral(scope: Pathed, name: string, value: string): void {
  if (Token.isUnresolved(value)) {
    throw new DevauthConstructError(scope.node.path, `${name} must be a literal string, not a deploy-time token.`);
  }
}

/** Same rule as the handlers' configuration (`developerProviderName`) and Cognito's own (1-128 of [\w._-]). */
const DEVELOPER_PROVIDER_NAME = /^[\w._-]{1,128}$/;

export function assertDeveloperProviderName(scope: Pathed, value: string): void {
  assertLiteral(scope, 'developerProviderName', value);
  if (!DEVELOPER_PROVIDER_NAME.test(value)) {
    throw new DevauthConstructError(
      scope.node.path,
      `developerProviderName "${value}" must be 1-128 characters of A-Z, a-z, 0-9, "_", ".", "-".`,
    );
  }
}

/** Runs `build` and turns the plain `Error`s of @devauth/access (bad table, policy too large) into construct errors. */
export function rethrowAs<T>(scope: Pathed, build: () => T): T {
  try {
    return build();
  } catch (error) {
    if (error instanceof DevauthConstructError) throw error;
    throw new DevauthConstructError(scope.node.path, error instanceof Error ? error.message : String(error));
  }
}
