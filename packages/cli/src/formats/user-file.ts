import type { ImportUserRow } from '@devauth/core';
/**
 * The users file of `import-users` and `export-users`: JSON Lines or CSV, one user per line (record), with the
 * columns below (`passwordNormalization`: `none` for a hash made elsewhere, the default; `NFKC` for a hash
 * exported from devauth, which normalizes passwords before hashing). Reading validates the file's own syntax only (JSON, CSV quoting, the header, known columns, the
 * line length); the values are the core's to validate (`ImportUsers`), so a row that reads is passed on as it is.
 */
import { DEFAULT_MAX_RECORD_BYTES, type RawRecord, readCsvRecords, readLines } from './records.js';

export type UserFileFormat = 'jsonl' | 'csv';

export const USER_FILE_FORMATS: readonly UserFileFormat[] = ['jsonl', 'csv'];

/**
 * The columns, in the order `export-users` writes them. `status` is written by the export and read back by the
 * import (a disabled user stays disabled); `passwordHash` and `passwordNormalization` only with `--include-hashes`.
 */
export const USER_FILE_COLUMNS = [
  'username',
  'email',
  'emailVerified',
  'role',
  'status',
  'passwordHash',
  'passwordNormalization',
  'noPassword',
] as const;

export type UserFileColumn = (typeof USER_FILE_COLUMNS)[number];

const BOOLEAN_COLUMNS: ReadonlySet<string> = new Set(['emailVerified', 'noPassword']);
const KNOWN: ReadonlySet<string> = new Set(USER_FILE_COLUMNS);

/** One row as read, before the core validates it (values unknown: a JSON file may hold anything). */
export type UserFileRow = ImportUserRow;

/** A row the file itself makes unreadable: the row is skipped and reported, never its content. */
export interface FileProblem {
  readonly line: number;
  readonly field: string;
  readonly reason: string;
}

/** Whole-row problems are reported under this field name. */
export const ROW_FIELD = 'row';

/** The file cannot be read as this format at all (a CSV header that names no known columns, ...). */
export class UserFileError extends Error {
  constructor(
    message: string,
    readonly line: number,
  ) {
    super(message);
    this.name = 'UserFileError';
  }
}

/** The format a file name implies (`.jsonl`, `.ndjson`, `.json` -> jsonl, `.csv` -> csv), or undefined. */
export function formatOfFileName(name: string): UserFileFormat | undefined {
  const lower = name.toLowerCase();
  if (lower.endsWith('.jsonl') || lower.endsWith('.ndjson') || lower.endsWith('.json')) return 'jsonl';
  if (lower.endsWith('.csv')) return 'csv';
  return undefined;
}

export interface ReadUserFileOptions {
  readonly format: UserFileFormat;
  readonly maxRecordBytes?: number;
  /** Called for each row the file makes unreadable; reading goes on. */
  readonly onProblem: (problem: FileProblem) => void;
}

/** The rows of a users file, streamed: one record in memory at a time. */
export function readUserFile(
  source: AsyncIterable<unknown>,
  options: ReadUserFileOptions,
): AsyncGenerator<UserFileRow> {
  const max = options.maxRecordBytes ?? DEFAULT_MAX_RECORD_BYTES;
  return options.format === 'csv'
    ? csvRows(readCsvRecords(source, max), options.onProblem)
    : jsonlRows(readLines(source, max), options.onProblem);
}

async function* jsonlRows(
  records: AsyncIterable<RawRecord<string>>,
  onProblem: (problem: FileProblem) => void,
): AsyncGenerator<UserFileRow> {
  for await (const record of records) {
    if (record.problem !== undefined) {
      onProblem({ line: record.line, field: ROW_FIELD, reason: record.problem });
      continue;
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(record.value);
    } catch {
      // Never the parser's message: it quotes the text around the error, which may be a password hash.
      onProblem({ line: record.line, field: ROW_FIELD, reason: 'not valid JSON' });
      continue;
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      onProblem({ line: record.line, field: ROW_FIELD, reason: 'must be a JSON object' });
      continue;
    }
    const unknown = Object.keys(parsed).filter((key) => !KNOWN.has(key));
    if (unknown.length > 0) {
      onProblem({ line: record.line, field: unknown[0]!.slice(0, 64), reason: 'unknown field' });
      continue;
    }
    const row: Record<string, unknown> = { line: record.line, username: undefined };
    for (const [key, value] of Object.entries(parsed)) if (value !== null) row[key] = value;
    yield row as unknown as UserFileRow;
  }
}

async function* csvRows(
  records: AsyncIterable<RawRecord<readonly string[]>>,
  onProblem: (problem: FileProblem) => void,
): AsyncGenerator<UserFileRow> {
  let header: readonly string[] | undefined;
  for await (const record of records) {
    if (header === undefined) {
      if (record.problem !== undefined) throw new UserFileError(`the header: ${record.problem}`, record.line);
      header = csvHeader(record.value, record.line);
      continue;
    }
    if (record.problem !== undefined) {
      onProblem({ line: record.line, field: ROW_FIELD, reason: record.problem });
      continue;
    }
    if (record.value.length !== header.length) {
      onProblem({
        line: record.line,
        field: ROW_FIELD,
        reason: `has ${record.value.length} fields, the header has ${header.length}`,
      });
      continue;
    }
    const row: Record<string, unknown> = { line: record.line, username: undefined };
    header.forEach((column, index) => {
      const value = record.value[index]!;
      // An empty field is an absent value (an export writes no email as an empty field).
      if (value === '') return;
      row[column] = BOOLEAN_COLUMNS.has(column) ? booleanOf(value) : value;
    });
    yield row as unknown as UserFileRow;
  }
  if (header === undefined) throw new UserFileError('the file is empty: a CSV file starts with its header row', 1);
}

/** `true`/`false` (any case) become booleans; anything else stays a string, for the core to refuse with its reason. */
function booleanOf(value: string): boolean | string {
  const lower = value.trim().toLowerCase();
  return lower === 'true' ? true : lower === 'false' ? false : value;
}

function csvHeader(columns: readonly string[], line: number): readonly string[] {
  const names = columns.map((column) => column.trim());
  const unknown = names.filter((name) => !KNOWN.has(name));
  if (unknown.length > 0) {
    const shown = unknown
      .slice(0, 3)
      .map((name) => `"${name.slice(0, 40)}"`)
      .join(', ');
    throw new UserFileError(
      `the header names unknown columns (${shown}); the columns are ${USER_FILE_COLUMNS.join(', ')}`,
      line,
    );
  }
  const duplicate = names.find((name, index) => names.indexOf(name) !== index);
  if (duplicate !== undefined) throw new UserFileError(`the header names "${duplicate}" twice`, line);
  if (!names.includes('username')) throw new UserFileError('the header has no "username" column', line);
  return names;
}

/** One exported user, as the export use case gives it. */
export interface UserFileOutputRow {
  readonly username: string;
  readonly email: string | null;
  readonly emailVerified: boolean;
  readonly role: string;
  readonly status: string;
  readonly passwordHash?: string;
  readonly passwordNormalization?: string;
  readonly noPassword?: boolean;
}

const HASH_COLUMNS: ReadonlySet<string> = new Set(['passwordHash', 'passwordNormalization']);

/** The columns an export writes: every column, less the hash and its normalization unless hashes are included. */
export function exportColumns(includeHashes: boolean): readonly UserFileColumn[] {
  return USER_FILE_COLUMNS.filter((column) => includeHashes || !HASH_COLUMNS.has(column));
}

/** The header line of a CSV export (with its CRLF, as RFC 4180 writes records). */
export function csvHeaderLine(columns: readonly UserFileColumn[]): string {
  return `${columns.join(',')}\r\n`;
}

/** One user as a line of the format (terminator included). */
export function formatUserLine(
  row: UserFileOutputRow,
  format: UserFileFormat,
  columns: readonly UserFileColumn[],
): string {
  const values: Record<UserFileColumn, unknown> = {
    username: row.username,
    email: row.email,
    emailVerified: row.emailVerified,
    role: row.role,
    status: row.status,
    passwordHash: row.passwordHash,
    passwordNormalization: row.passwordHash === undefined ? undefined : row.passwordNormalization,
    noPassword: row.noPassword === true ? true : undefined,
  };
  if (format === 'jsonl') {
    const object: Record<string, unknown> = {};
    for (const column of columns) if (values[column] !== undefined) object[column] = values[column];
    return `${JSON.stringify(object)}\n`;
  }
  return `${columns.map((column) => csvField(values[column])).join(',')}\r\n`;
}

/** A CSV field: quoted when it holds a comma, a quote, a line break or edge spaces; quotes doubled. */
export function csvField(value: unknown): string {
  if (value === undefined || value === null) return '';
  const text = typeof value === 'string' ? value : String(value);
  return /[",\r\n]|^\s|\s$/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}
