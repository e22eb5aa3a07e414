import type { CognitoIdentityClient } from '@aws-sdk/client-cognito-identity';
import { CognitoIdentityBroker, type CognitoIdentityBrokerOptions } from '@devauth/adapters-cognito';
import type { IdentityPoolEmulator } from '@devauth/local';
import { sdkClient } from '../../packages/adapters-cognito/tests/helpers.js';

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
