/**
 * `devauth import-users <file>`: the file is streamed (one record in memory at a time, rows handed to the core's
 * ImportUsers, which batches the writes per store), every bad row is reported with its line and the import goes on.
 * Exit code 3 when it finished with rejected rows.
 */

import { once } from 'node:events';
import { createReadStream, createWriteStream, type WriteStream } from 'node:fs';
import { resolve } from 'node:path';
import type { CommandContext } from '../command.js';
import { CliError, EXIT, UsageError } from '../errors.js';
import { DEFAULT_MAX_RECORD_BYTES } from '../formats/records.js';
import {
  type FileProblem,
  formatOfFileName,
  readUserFile,
  USER_FILE_FORMATS,
  UserFileError,
  type UserFileFormat,
} from '../formats/user-file.js';
import { progressReporter, progressWanted } from '../progress.js';
import { type ImportReport, importUsersOf } from '../use-cases.js';
import { choiceOption, flag, stringOption, withSession } from './shared.js';

const MAX_LINE_BYTES_LIMIT = 16 * 1024 * 1024;

export async function run(context: CommandContext): Promise<number> {
  const file = context.positionals[0]!;
  const format = choiceOption(context, 'format', USER_FILE_FORMATS) ?? formatFromName(context, file);
  const onExisting = choiceOption(context, 'on-existing', ['skip', 'update'] as const) ?? 'skip';
  const maxRecordBytes = lineBound(context);
  const source = file === '-' ? context.io.stdin : await openInput(resolve(context.io.cwd, file), file);
  const rejectsPath = stringOption(context, 'rejects');
  const rejects = rejectsPath === undefined ? undefined : await openOutput(resolve(context.io.cwd, rejectsPath));
  const progress = progressReporter(context, progressWanted(context));
  let fileRejected = 0;
  const reject = ({ line, field, reason }: FileProblem) => {
    const safe = redactHashes(reason);
    context.note(`line ${line}: ${field}: ${safe}`);
    rejects?.write(`${JSON.stringify({ line, field, reason: safe })}\n`);
  };
  try {
    // An update that changes a role, a hash or a status revokes the user's access: that needs the identity pool.
    const report = await withSession(context, { identityPool: onExisting === 'update' }, async (session) => {
      const importer = importUsersOf(session);
      const rows = readUserFile(source, {
        format,
        maxRecordBytes,
        onProblem: (problem) => {
          fileRejected++;
          reject(problem);
        },
      });
      const totals = (core: ImportReport): ImportReport => ({
        ...core,
        read: core.read + fileRejected,
        rejected: core.rejected + fileRejected,
      });
      const core = await importer.execute(rows, {
        onExisting,
        onRejected: reject,
        onProgress: (partial) => progress.tick(() => describe(totals(partial))),
      });
      return totals(core);
    });
    if (flag(context, 'json')) context.print(JSON.stringify(report));
    else context.print(`imported: ${describe(report)}`);
    return report.rejected > 0 ? EXIT.rejectedRows : EXIT.ok;
  } catch (error) {
    if (error instanceof UserFileError) throw new CliError(`${file}: line ${error.line}: ${error.message}`);
    throw error;
  } finally {
    if (source !== context.io.stdin) (source as { destroy?: () => void }).destroy?.();
    if (rejects) {
      rejects.end();
      await once(rejects, 'close').catch(() => undefined);
    }
  }
}

function describe(report: ImportReport): string {
  return (
    `${report.read} rows read, ${report.created} created, ${report.updated} updated, ` +
    `${report.skipped} skipped, ${report.rejected} rejected`
  );
}

function formatFromName(context: CommandContext, file: string): UserFileFormat {
  if (file === '-') throw new UsageError('reading standard input (-) needs --format jsonl or csv', context.name);
  const format = formatOfFileName(file);
  if (!format) {
    throw new UsageError(
      `cannot tell the format of "${file.slice(0, 80)}" from its name (.jsonl, .ndjson or .csv): add --format`,
      context.name,
    );
  }
  return format;
}

function lineBound(context: CommandContext): number {
  const text = stringOption(context, 'max-line-bytes');
  if (text === undefined) return DEFAULT_MAX_RECORD_BYTES;
  const value = /^\d{1,9}$/.test(text) ? Number(text) : Number.NaN;
  if (!(value >= 64 && value <= MAX_LINE_BYTES_LIMIT)) {
    throw new UsageError(`--max-line-bytes must be a number from 64 to ${MAX_LINE_BYTES_LIMIT}`, context.name);
  }
  return value;
}

/** The file opened for reading, or a CliError that says why not (before the store is opened). */
async function openInput(path: string, shown: string) {
  const stream = createReadStream(path, { highWaterMark: 64 * 1024 });
  try {
    await once(stream, 'open');
  } catch (error) {
    throw new CliError(`cannot read ${shown}: ${fileProblem(error)}`);
  }
  return stream;
}

async function openOutput(path: string): Promise<WriteStream> {
  const stream = createWriteStream(path, { flags: 'w' });
  try {
    await once(stream, 'open');
  } catch (error) {
    throw new CliError(`cannot write ${path}: ${fileProblem(error)}`);
  }
  return stream;
}

export function fileProblem(error: unknown): string {
  const code = (error as { code?: string })?.code;
  if (code === 'ENOENT') return 'no such file';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'EISDIR') return 'it is a directory';
  return code ?? String((error as Error)?.message ?? error);
}

/**
 * Belt and braces: the core's and the reader's reasons are fixed texts, but a reason must never carry a hash, so
 * anything shaped like one ($argon2id$..., $2b$..., pbkdf2_sha256$...) is blanked, and the length is bounded.
 */
export function redactHashes(reason: string): string {
  return reason
    .replace(/\$[A-Za-z0-9-]+\$\S*/g, '[hash]')
    .replace(/\bpbkdf2_sha256\$\S*/g, '[hash]')
    .slice(0, 300);
}
