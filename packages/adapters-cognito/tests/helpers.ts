import { createServer } from 'node:net';
import { CognitoIdentityClient } from '@aws-sdk/client-cognito-identity';
import type { IdentityPoolEmulator } from '@devauth/local';
import { CognitoIdentityBroker, type CognitoIdentityBrokerOptions } from '../src/index.js';

/** The real SDK client as a backend would configure it, pointed at a local endpoint. */
export function sdkClient(endpoint: string, maxAttempts?: number): CognitoIdentityClient {
  return new CognitoIdentityClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    ...(maxAttempts === undefined ? {} : { maxAttempts }),
  });
}

export interface BrokerUnderTest {
  readonly broker: CognitoIdentityBroker;
  readonly client: CognitoIdentityClient;
  /** Every line the broker logged. */
  readonly logs: string[];
}

/** A broker on a real SDK client against the emulator, with a capturing logger. */
export function brokerOn(
  emulator: IdentityPoolEmulator,
  options: Partial<CognitoIdentityBrokerOptions> & { readonly maxAttempts?: number } = {},
): BrokerUnderTest {
  const logs: string[] = [];
  const { maxAttempts, ...rest } = options;
  const client = sdkClient(emulator.endpoint, maxAttempts);
  const broker = new CognitoIdentityBroker({
    identityPoolId: rest.identityPoolId ?? emulator.pools.list()[0]!.identityPoolId,
    developerProviderName: rest.developerProviderName ?? emulator.pools.list()[0]!.developerProviderName!,
    client,
    logger: { error: (line) => logs.push(line) },
    ...rest,
  });
  return { broker, client, logs };
}

/** A port nothing listens on (bound, then released). */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** The rejection of a promise that must fail. */
export async function rejectionOf(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a rejection');
}
