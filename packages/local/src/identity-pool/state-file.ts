/**
 * The emulator's identities on disk (`IdentityPoolEmulatorOptions.stateFile`), so a local server restarted over a
 * persistent user store finds the IdentityIds its users are linked to. Pools are not kept: whoever starts the
 * emulator creates them again (with a fixed `identityPoolId`). Credentials and the token signing key are not kept
 * either: what was issued before a restart is refused after it, and clients refresh, as after an expiry.
 */
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import type { PersistedIdentity } from './store.js';

const FORMAT_VERSION = 1;

/** Thrown at start for a state file that cannot be read back: nothing is guessed, nothing is overwritten. */
export class EmulatorStateError extends Error {
  override readonly name = 'EmulatorStateError';
}

/** The identities saved in `file`; none when it does not exist yet. */
export function readStateFile(file: string): PersistedIdentity[] {
  if (!existsSync(file)) return [];
  const refuse = (why: string) =>
    new EmulatorStateError(
      `The identity-pool state file ${file} cannot be read back (${why}): move it away to start with no identities.`,
    );
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw refuse(error instanceof SyntaxError ? 'not JSON' : (error as Error).message);
  }
  const state = parsed as { version?: unknown; identities?: unknown };
  if (typeof state !== 'object' || state === null || state.version !== FORMAT_VERSION) {
    throw refuse(`not a version ${FORMAT_VERSION} state file`);
  }
  if (!Array.isArray(state.identities) || !state.identities.every(isPersistedIdentity)) {
    throw refuse('malformed identities');
  }
  return state.identities;
}

/**
 * Writes `identities` when they differ from what was written last; the file is replaced whole (written beside it,
 * then renamed), so a crash mid-write leaves the previous state, never half of one.
 */
export function stateFileWriter(
  file: string,
  initial: readonly PersistedIdentity[],
): (state: PersistedIdentity[]) => void {
  let written = serialize(initial);
  return (identities) => {
    const text = serialize(identities);
    if (text === written) return;
    const temporary = `${file}.${process.pid}.tmp`;
    writeFileSync(temporary, text, { mode: 0o600 });
    renameSync(temporary, file);
    written = text;
  };
}

const serialize = (identities: readonly PersistedIdentity[]) =>
  `${JSON.stringify({ version: FORMAT_VERSION, identities }, null, 2)}\n`;

const isString = (value: unknown): value is string => typeof value === 'string';
const isTime = (value: unknown): boolean => isString(value) && !Number.isNaN(Date.parse(value));

function isPersistedIdentity(value: unknown): value is PersistedIdentity {
  const identity = value as Partial<Record<keyof PersistedIdentity, unknown>>;
  return (
    typeof identity === 'object' &&
    identity !== null &&
    isString(identity.identityId) &&
    isString(identity.identityPoolId) &&
    Array.isArray(identity.developerUserIds) &&
    identity.developerUserIds.every(isString) &&
    typeof identity.everAuthenticated === 'boolean' &&
    typeof identity.unlinkedAt === 'object' &&
    identity.unlinkedAt !== null &&
    Object.values(identity.unlinkedAt).every(isTime) &&
    isTime(identity.createdAt) &&
    isTime(identity.lastModifiedAt)
  );
}
