// The in-Lambda guard every shop handler shares. API Gateway has checked the SigV4 signature and the role's IAM
// policy; the guard re-reads the caller's user (current role and status) and checks the route against the table the
// deployment put in DEVAUTH_ACCESS_TABLE, the same declaration the IAM policies were generated from.
import { accessTableFromEnv, type Caller, createGuard, userLookupFromEnv } from '@devauth/lambda-handlers/access';
import { HANDLER_ENV } from '@devauth/lambda-handlers/env';

const required = (name: string): string => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
};

const guard = createGuard({
  table: accessTableFromEnv(),
  // The user store the deployment names (DynamoDB or PostgreSQL), from the variables @devauth/cdk sets.
  users: userLookupFromEnv(),
  identityPoolId: required(HANDLER_ENV.identityPoolId),
});

export interface Response {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
}

export const json = (statusCode: number, body: unknown): Response => ({
  statusCode,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(body),
});

/** Runs `handle` for an allowed caller; answers 401/403 (without details) otherwise. */
export function guarded(handle: (caller: Caller, event: unknown) => Promise<Response> | Response) {
  return async (event: unknown): Promise<Response> => {
    const decision = await guard.authorize(event);
    if (!decision.allowed)
      return json(decision.statusCode, { error: decision.statusCode === 401 ? 'UNAUTHENTICATED' : 'FORBIDDEN' });
    return handle(decision.caller, event);
  };
}
