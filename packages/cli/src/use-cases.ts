/**
 * The core use cases the CLI calls, as the composition wires them on `Devauth`: `admin` (AdministerUsers),
 * `importUsers` (ImportUsers) and `exportUsers` (ExportUsers). The shapes below are the parts the CLI uses.
 */
import type { ImportRejection, ImportReport, PublicUser, UserStatus } from '@devauth/core';
import type { OperatorActor } from './command.js';
import type { DevauthSession } from './environment.js';
import { CliError } from './errors.js';
import type { UserFileOutputRow, UserFileRow } from './formats/user-file.js';

export interface AdminListUsersInput {
  readonly usernamePrefix?: string;
  readonly email?: string;
  readonly role?: string;
  readonly status?: UserStatus;
  readonly cursor?: string;
  readonly limit?: number;
}

export interface AdministerUsersApi {
  listUsers(
    actor: OperatorActor,
    input: AdminListUsersInput,
  ): Promise<{ readonly users: readonly PublicUser[]; readonly nextCursor: string | null }>;
  getUser(actor: OperatorActor, userId: string): Promise<PublicUser>;
  setRole(actor: OperatorActor, userId: string, role: string): Promise<PublicUser>;
  setStatus(actor: OperatorActor, userId: string, status: UserStatus): Promise<PublicUser>;
  createInvitation(
    actor: OperatorActor,
    input: { readonly role: string; readonly ttlSeconds?: number },
  ): Promise<{ readonly id: string; readonly code: string; readonly role: string; readonly expiresAt: Date }>;
}

export type { ImportRejection, ImportReport } from '@devauth/core';

export interface ImportUsersApi {
  execute(
    rows: AsyncIterable<UserFileRow>,
    options: {
      readonly onExisting: 'skip' | 'update';
      readonly onRejected?: (rejection: ImportRejection) => void;
      readonly onProgress?: (report: ImportReport) => void;
    },
  ): Promise<ImportReport>;
}

export interface ExportUsersApi {
  rows(options: { readonly includeHashes: boolean }): AsyncIterable<UserFileOutputRow>;
}

function wired<T>(session: DevauthSession, name: string, useCase: string): T {
  const value = (session.devauth as unknown as Record<string, unknown>)[name];
  if (value === undefined || value === null) {
    throw new CliError(`this version of @devauth/core has no ${useCase} use case (devauth.${name})`);
  }
  return value as T;
}

export const adminOf = (session: DevauthSession) => wired<AdministerUsersApi>(session, 'admin', 'AdministerUsers');

export const importUsersOf = (session: DevauthSession) => wired<ImportUsersApi>(session, 'importUsers', 'ImportUsers');

export const exportUsersOf = (session: DevauthSession) => wired<ExportUsersApi>(session, 'exportUsers', 'ExportUsers');
