/**
 * `devauth export-users`: every user in the import format, streamed to stdout or --output with backpressure (one
 * user in memory at a time). Hashes only with --include-hashes; such a file is created readable by its owner only.
 */

import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { chmod } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Writable } from 'node:stream';
import type { CommandContext } from '../command.js';
import { CliError } from '../errors.js';
import {
  csvHeaderLine,
  exportColumns,
  formatOfFileName,
  formatUserLine,
  USER_FILE_FORMATS,
} from '../formats/user-file.js';
import { progressReporter, progressWanted } from '../progress.js';
import { exportUsersOf } from '../use-cases.js';
import { fileProblem } from './import-users.js';
import { choiceOption, flag, stringOption, withSession } from './shared.js';

export async function run(context: CommandContext): Promise<number> {
  const outputPath = stringOption(context, 'output');
  const format =
    choiceOption(context, 'format', USER_FILE_FORMATS) ??
    (outputPath === undefined ? undefined : formatOfFileName(outputPath)) ??
    'jsonl';
  const includeHashes = flag(context, 'include-hashes');
  const columns = exportColumns(includeHashes);
  const progress = progressReporter(context, progressWanted(context));
  return withSession(context, { identityPool: false }, async (session) => {
    const rows = exportUsersOf(session).rows({ includeHashes });
    const path = outputPath === undefined ? undefined : resolve(context.io.cwd, outputPath);
    const out: Writable = path === undefined ? context.io.stdout : await openExport(path, includeHashes);
    let failure: unknown;
    out.on('error', (error) => {
      failure ??= error;
    });
    const write = async (text: string) => {
      if (failure !== undefined) throw failure;
      if (!out.write(text)) await Promise.race([once(out, 'drain'), once(out, 'error')]);
    };
    let count = 0;
    try {
      if (format === 'csv') await write(csvHeaderLine(columns));
      for await (const row of rows) {
        await write(formatUserLine(row, format, columns));
        count++;
        progress.tick(() => `${count} users written`);
      }
    } finally {
      if (path !== undefined) {
        out.end();
        await once(out, 'close').catch(() => undefined);
      }
    }
    if (failure !== undefined) throw new CliError(`cannot write the export: ${fileProblem(failure)}`);
    context.note(
      `exported ${count} user(s)${path ? ` to ${outputPath}` : ''}` +
        (includeHashes ? ' with their password hashes: keep the file as safe as the database' : ''),
    );
    return 0;
  });
}

async function openExport(path: string, includeHashes: boolean) {
  const stream = createWriteStream(path, { flags: 'w', mode: includeHashes ? 0o600 : 0o644 });
  try {
    await once(stream, 'open');
    // `mode` applies to a new file only: an existing one is narrowed too before any hash is written.
    if (includeHashes) await chmod(path, 0o600);
  } catch (error) {
    stream.destroy();
    throw new CliError(`cannot write ${path}: ${fileProblem(error)}`);
  }
  return stream;
}
