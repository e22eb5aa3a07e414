import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  GetIdCommand,
  GetOpenIdTokenForDeveloperIdentityCommand,
  UnlinkDeveloperIdentityCommand,
} from '@aws-sdk/client-cognito-identity';
import { afterEach, describe, expect, it } from 'vitest';
import { EmulatorStateError, type IdentityPoolEmulator, startIdentityPoolEmulator } from '../src/index.js';
import { sdkClient } from './helpers.js';

const POOL_ID = 'us-east-1:00000000-0000-4000-8000-000000000001';
const PROVIDER = 'login.example.test';
const directories: string[] = [];
const running: IdentityPoolEmulator[] = [];

async function start(stateFile: string): Promise<IdentityPoolEmulator> {
  const emulator = await startIdentityPoolEmulator({ stateFile });
  running.push(emulator);
  emulator.createPool({ identityPoolId: POOL_ID, developerProviderName: PROVIDER });
  return emulator;
}

function stateFileInNewDirectory(): string {
  const directory = mkdtempSync(join(tmpdir(), 'devauth-emulator-state-'));
  directories.push(directory);
  return join(directory, 'identity-pool.json');
}

afterEach(async () => {
  for (const emulator of running.splice(0)) await emulator.stop();
  for (const directory of directories.splice(0)) rmSync(directory, { recursive: true, force: true });
});

describe('the emulator state file', () => {
  it('gives a restarted emulator the identities and links it had: the same IdentityId for the same user', async () => {
    const stateFile = stateFileInNewDirectory();
    const first = await start(stateFile);
    const client = sdkClient(first);
    const linked = await client.send(
      new GetOpenIdTokenForDeveloperIdentityCommand({ IdentityPoolId: POOL_ID, Logins: { [PROVIDER]: 'user-1' } }),
    );
    const guest = await client.send(new GetIdCommand({ IdentityPoolId: POOL_ID }));
    client.destroy();
    await first.stop();

    const second = await start(stateFile);
    expect(second.pools.identityOfDeveloperUser(POOL_ID, 'user-1')).toBe(linked.IdentityId);
    expect(second.pools.identity(guest.IdentityId!)).toMatchObject({ authenticated: false, developerUserIds: [] });
    const again = sdkClient(second);
    // Without the state, the same call would make a new identity for user-1.
    const relinked = await again.send(
      new GetOpenIdTokenForDeveloperIdentityCommand({ IdentityPoolId: POOL_ID, Logins: { [PROVIDER]: 'user-1' } }),
    );
    expect(relinked.IdentityId).toBe(linked.IdentityId);
    await again.send(
      new UnlinkDeveloperIdentityCommand({
        IdentityId: linked.IdentityId!,
        IdentityPoolId: POOL_ID,
        DeveloperProviderName: PROVIDER,
        DeveloperUserIdentifier: 'user-1',
      }),
    );
    again.destroy();
    // Written after the call that changed it, before any stop.
    const saved = JSON.parse(readFileSync(stateFile, 'utf8'));
    const identity = saved.identities.find((entry: { identityId: string }) => entry.identityId === linked.IdentityId);
    expect(identity).toMatchObject({ developerUserIds: [], everAuthenticated: true });
    expect(Object.keys(identity.unlinkedAt)).toEqual(['user-1']);
  });

  it('refuses a state file it cannot read back, and leaves it as it was', async () => {
    const stateFile = stateFileInNewDirectory();
    for (const text of [
      '{ not json',
      '{"version":2,"identities":[]}',
      '{"version":1,"identities":[{"identityId":1}]}',
    ]) {
      writeFileSync(stateFile, text);
      await expect(startIdentityPoolEmulator({ stateFile })).rejects.toThrow(EmulatorStateError);
      await expect(startIdentityPoolEmulator({ stateFile })).rejects.toThrow(/move it away/);
      expect(readFileSync(stateFile, 'utf8')).toBe(text);
    }
  });
});
