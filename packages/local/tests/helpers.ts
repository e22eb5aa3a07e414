import { CognitoIdentityClient } from '@aws-sdk/client-cognito-identity';
import type { EmulatorClock, IdentityPoolEmulator } from '../src/index.js';

/** A real SDK client against the emulator; static dummy credentials make the SDK sign like a backend would. */
export function sdkClient(emulator: IdentityPoolEmulator, maxAttempts = 1): CognitoIdentityClient {
  return new CognitoIdentityClient({
    endpoint: emulator.endpoint,
    region: emulator.region,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    maxAttempts,
  });
}

/** A clock tests move by hand (same shape as the core's ManualClock). */
export class TestClock implements EmulatorClock {
  constructor(private current = Date.now()) {}
  now(): Date {
    return new Date(this.current);
  }
  advance(seconds: number): void {
    this.current += seconds * 1000;
  }
}

/** Raw AWS JSON 1.1 call, for checking HTTP shapes the SDK hides. */
export async function rawCall(
  emulator: IdentityPoolEmulator,
  operation: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: Headers; json: Record<string, unknown> }> {
  const response = await fetch(`${emulator.endpoint}/`, {
    method: 'POST',
    headers: {
      'Content-Type': 'application/x-amz-json-1.1',
      'X-Amz-Target': `AWSCognitoIdentityService.${operation}`,
      ...headers,
    },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, json: text ? JSON.parse(text) : {} };
}

/** Decodes a JWT payload without verifying (verification is tested separately against the JWKS). */
export function decodePayload(token: string): Record<string, unknown> {
  const payload = token.split('.')[1] ?? '';
  return JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
}
