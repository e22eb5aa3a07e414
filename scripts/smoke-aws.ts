/**
 * `pnpm smoke:aws`: a smoke test of a deployed devauth stack, run by whoever deployed it, with their own AWS
 * credentials. One visitor's journey through `@devauth/client`, against the real API Gateway and identity pool:
 *
 *   guest identity -> register a throwaway user -> log in (keeping the guest IdentityId) -> AWS credentials from
 *   Cognito -> an allowed SigV4 call (GET /me: 200) -> a denied one (default POST /products: 403) -> refresh ->
 *   log out (and check the session is revoked) -> clean up.
 *
 * Cleanup: logout revokes the session; the Cognito identity the run created is deleted (DeleteIdentities, with the
 * caller's AWS credentials) unless `--keep-identities`. devauth has no delete-user route, so the throwaway user stays
 * in the user store: the output names it and says how to remove it from trusted server code.
 *
 * It never prints a token, password, refresh token, guest link secret or AWS key: everything it prints goes through
 * a redactor that knows every secret of the run. Not part of CI. Usage: `pnpm smoke:aws --help`, docs/smoke-aws.md.
 * Exit codes: 0 every check held, 1 a check failed, 2 inputs missing or invalid (nothing was sent).
 *
 * This file is the entry point (main: inputs, credentials check, exit code). The parts are in scripts/smoke-aws/:
 * inputs.ts (usage, flags, outputs file, AWS credential source), journey.ts (the checks and the cleanup) and
 * narrator.ts (masked output, error descriptions).
 */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { awsCredentialSource, type CredentialProvider, type Env, resolveInputs, USAGE } from './smoke-aws/inputs.js';
import { runSmoke } from './smoke-aws/journey.js';
import { Narrator } from './smoke-aws/narrator.js';

export {
  awsCredentialSource,
  type InputResult,
  readOutputsFile,
  resolveInputs,
  type SmokeInputs,
  USAGE,
} from './smoke-aws/inputs.js';
export { runSmoke } from './smoke-aws/journey.js';

export async function main(argv: readonly string[], env: Env): Promise<number> {
  const result = resolveInputs(argv, env);
  if (result.kind === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const problems = result.kind === 'problems' ? [...result.problems] : [];
  // Credentials are checked even when other inputs are missing, so that one run names everything that is.
  const keepIdentities = result.kind === 'inputs' ? result.inputs.keepIdentities : argv.includes('--keep-identities');
  let aws: { provider: CredentialProvider; source: string } | undefined;
  if (!keepIdentities) {
    const source = awsCredentialSource(env);
    if ('problem' in source) {
      problems.push(source.problem);
    } else {
      try {
        await source.provider();
        aws = source;
      } catch (error) {
        const message = new Narrator().redact((error as Error).message);
        problems.push(`AWS credentials from ${source.source} could not be loaded: ${message}`);
      }
    }
  }
  if (problems.length > 0 || result.kind !== 'inputs') {
    process.stderr.write(`devauth smoke:aws: cannot start, nothing was sent. Missing or invalid:\n`);
    for (const problem of problems) process.stderr.write(`  - ${problem}\n`);
    process.stderr.write('Run `pnpm smoke:aws --help` for usage.\n');
    return 2;
  }
  return runSmoke(result.inputs, aws);
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  // The AWS SDK warns on Node < 22 in a multi-line block on stderr; this script has nothing to add to it.
  if (Number(process.versions.node.split('.')[0]) < 22)
    process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  main(process.argv.slice(2), process.env).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      // Only the message, masked: a stack or an SDK error object could carry a request with a secret in it.
      const message = new Narrator().redact(error instanceof Error ? error.message : String(error));
      process.stderr.write(`devauth smoke:aws: unexpected error: ${message}\n`);
      process.exitCode = 1;
    },
  );
}
