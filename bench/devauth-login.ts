/**
 * The devauth side of every login benchmark: the Lambda login handler (`createAuthHandlers`) around a core with
 * in-memory stores and the fake identity broker, answering HTTP API (payload v2) POST /auth/login events built from
 * the handler tests' real sample. A Lambda receives its event ready-made, so events are built once, untimed.
 */
import { readFileSync } from 'node:fs';
import { createDevauth, type PasswordHasher } from '@devauth/core';
import { createInMemoryStores, FakeIdentityBroker } from '@devauth/core/testing';
import { type ApiGatewayProxyEvent, createAuthHandlers, silentLogger } from '@devauth/lambda-handlers';

export const BENCH_PASSWORD = 'benchmark passphrase 0123';

const sample = JSON.parse(
  readFileSync(new URL('../packages/lambda-handlers/tests/fixtures/http-api-v2.json', import.meta.url), 'utf8'),
) as Record<string, unknown> & { headers: Record<string, string> };

export function loginEvent(username: string, password: string): ApiGatewayProxyEvent {
  const body = JSON.stringify({ username, password });
  const headers = { ...sample.headers, 'content-length': String(Buffer.byteLength(body)) };
  return { ...structuredClone(sample), headers, body, isBase64Encoded: false } as unknown as ApiGatewayProxyEvent;
}

/**
 * Registers `users` users (untimed) and returns one login of user `index % users` through the handler, which throws
 * unless it answered 200: a benchmark of failing logins would measure nothing.
 */
export async function devauthLoginHandler(
  hasher: PasswordHasher,
  users: number,
): Promise<(index: number) => Promise<void>> {
  const devauth = createDevauth({
    ...createInMemoryStores(),
    broker: new FakeIdentityBroker(),
    hasher,
  });
  const { login } = createAuthHandlers({ devauth, logger: silentLogger });
  const events: ApiGatewayProxyEvent[] = [];
  for (let i = 0; i < users; i++) {
    const username = `bench_user_${i}`;
    await devauth.register.execute({ username, password: BENCH_PASSWORD });
    events.push(loginEvent(username, BENCH_PASSWORD));
  }
  return async (index) => {
    const response = await login(events[index % users]!, { awsRequestId: `bench-${index}` });
    if (response.statusCode !== 200) throw new Error(`devauth login handler answered ${response.statusCode}`);
  };
}
