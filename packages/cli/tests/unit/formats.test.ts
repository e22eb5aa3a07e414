import { describe, expect, it } from 'vitest';
import { readCsvRecords, readLines } from '../../src/formats/records.js';
import {
  exportColumns,
  type FileProblem,
  formatOfFileName,
  formatUserLine,
  readUserFile,
  UserFileError,
  type UserFileRow,
} from '../../src/formats/user-file.js';

/** The text as a stream of chunks of `size` bytes (so every boundary case meets a chunk edge somewhere). */
async function* chunks(text: string | Buffer, size = 3): AsyncGenerator<Buffer> {
  const bytes = typeof text === 'string' ? Buffer.from(text, 'utf8') : text;
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
}

async function collect<T>(source: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of source) out.push(item);
  return out;
}

async function readAll(text: string, format: 'jsonl' | 'csv', size = 3, maxRecordBytes?: number) {
  const problems: FileProblem[] = [];
  const rows: UserFileRow[] = await collect(
    readUserFile(chunks(text, size), {
      format,
      onProblem: (problem) => problems.push(problem),
      ...(maxRecordBytes ? { maxRecordBytes } : {}),
    }),
  );
  return { rows, problems };
}

describe('Function: readLines', () => {
  it.each([1, 2, 3, 7, 1024])(
    'splits LF and CRLF lines, skips blank ones and counts them (chunks of %i)',
    async (size) => {
      const records = await collect(readLines(chunks('\uFEFFa\r\nbé\n\n  \nc', size)));
      expect(records).toEqual([
        { line: 1, value: 'a' },
        { line: 2, value: 'bé' },
        { line: 5, value: 'c' },
      ]);
    },
  );

  it('reports a line over the bound without keeping it, and goes on with the next line', async () => {
    const long = 'x'.repeat(100);
    const records = await collect(readLines(chunks(`ok\n${long}\n${'y'.repeat(10)}\r\nend`, 7), 10));
    expect(records).toEqual([
      { line: 1, value: 'ok' },
      { line: 2, problem: 'longer than 10 bytes' },
      { line: 3, value: 'yyyyyyyyyy' },
      { line: 4, value: 'end' },
    ]);
  });

  it('refuses invalid UTF-8 instead of writing U+FFFD into a value', async () => {
    const bytes = Buffer.concat([Buffer.from('a\n'), Buffer.from([0xc3, 0x28]), Buffer.from('\nb')]);
    expect(await collect(readLines(chunks(bytes)))).toEqual([
      { line: 1, value: 'a' },
      { line: 2, problem: 'not valid UTF-8' },
      { line: 3, value: 'b' },
    ]);
  });
});

describe('Function: readCsvRecords', () => {
  it.each([1, 2, 5, 4096])(
    'reads RFC 4180: quotes, doubled quotes, commas and line breaks in quotes (chunks of %i)',
    async (size) => {
      const text = 'a,b,c\r\n"x, y","say ""hi""",\r\n"multi\nline",2,3\n\nlast,"",z';
      expect(await collect(readCsvRecords(chunks(text, size)))).toEqual([
        { line: 1, value: ['a', 'b', 'c'] },
        { line: 2, value: ['x, y', 'say "hi"', ''] },
        { line: 3, value: ['multi\nline', '2', '3'] },
        { line: 6, value: ['last', '', 'z'] },
      ]);
    },
  );

  it('reports malformed quoting and over-long records by their first line, and keeps reading', async () => {
    const text = `ok,1\nba"d,2\n"closed"x,3\n"${'q'.repeat(50)}\n${'q'.repeat(50)}",4\nfine,5\n"open,6`;
    expect(await collect(readCsvRecords(chunks(text, 4), 64))).toEqual([
      { line: 1, value: ['ok', '1'] },
      { line: 2, problem: 'a quote inside an unquoted field (quote the whole field and double the quote)' },
      { line: 3, problem: 'text after the closing quote of a field' },
      { line: 4, problem: 'longer than 64 bytes' },
      { line: 6, value: ['fine', '5'] },
      { line: 7, problem: 'a quoted field is not closed before the end of the file' },
    ]);
  });
});

describe('Function: readUserFile', () => {
  it('JSON Lines: objects become rows with their line; bad lines are problems that never quote the line', async () => {
    const hash = '$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA';
    const text = [
      JSON.stringify({ username: 'alice', email: 'a@example.com', passwordHash: hash }),
      `{"username": "bob", "passwordHash": "${hash}"`,
      '[1,2]',
      JSON.stringify({ username: 'carol', pasword: 'x' }),
      JSON.stringify({ username: 'dave', noPassword: true, email: null }),
    ].join('\n');
    const { rows, problems } = await readAll(text, 'jsonl', 11);
    expect(rows).toEqual([
      { line: 1, username: 'alice', email: 'a@example.com', passwordHash: hash },
      { line: 5, username: 'dave', noPassword: true },
    ]);
    expect(problems).toEqual([
      { line: 2, field: 'row', reason: 'not valid JSON' },
      { line: 3, field: 'row', reason: 'must be a JSON object' },
      { line: 4, field: 'pasword', reason: 'unknown field' },
    ]);
    expect(JSON.stringify(problems)).not.toContain('argon2');
  });

  it('CSV: the header names the columns; empty fields are absent; true/false become booleans', async () => {
    const text =
      'username,email,emailVerified,role,passwordHash,noPassword\r\n' +
      'alice,a@example.com,TRUE,seller,"$2b$10$abc,def",\r\n' +
      'bob,,false,,,true\r\n' +
      'carol,c@example.com,yes,,,true\r\n' +
      'short,row\r\n';
    const { rows, problems } = await readAll(text, 'csv', 5);
    expect(rows).toEqual([
      {
        line: 2,
        username: 'alice',
        email: 'a@example.com',
        emailVerified: true,
        role: 'seller',
        passwordHash: '$2b$10$abc,def',
      },
      { line: 3, username: 'bob', emailVerified: false, noPassword: true },
      { line: 4, username: 'carol', email: 'c@example.com', emailVerified: 'yes', noPassword: true },
    ]);
    expect(problems).toEqual([{ line: 5, field: 'row', reason: 'has 2 fields, the header has 6' }]);
  });

  it('CSV: a header with an unknown, duplicate or missing column stops the import before any row', async () => {
    await expect(readAll('username,password\nalice,x\n', 'csv')).rejects.toThrow(/unknown columns \("password"\)/);
    await expect(readAll('username,role,role\n', 'csv')).rejects.toThrow('the header names "role" twice');
    await expect(readAll('email\n', 'csv')).rejects.toThrow('the header has no "username" column');
    await expect(readAll('', 'csv')).rejects.toBeInstanceOf(UserFileError);
  });

  it('bounds the line before parsing: a huge line is one bad row', async () => {
    const text = `${JSON.stringify({ username: 'a', noPassword: true })}\n{"username":"${'x'.repeat(200_000)}"}\n${JSON.stringify({ username: 'b', noPassword: true })}\n`;
    const { rows, problems } = await readAll(text, 'jsonl', 65_536);
    expect(rows.map((row) => row.username)).toEqual(['a', 'b']);
    expect(problems).toEqual([{ line: 2, field: 'row', reason: 'longer than 65536 bytes' }]);
  });
});

describe('Function: formatUserLine', () => {
  const user = {
    username: 'o"neil',
    email: null,
    emailVerified: false,
    role: 'shopper',
    status: 'disabled',
    passwordHash: '$2b$10$x,y',
    passwordNormalization: 'none',
  };

  it('writes what readUserFile reads back, in both formats, hashes only when their columns are asked for', async () => {
    for (const format of ['jsonl', 'csv'] as const) {
      for (const includeHashes of [true, false]) {
        const columns = exportColumns(includeHashes);
        const header = format === 'csv' ? `${columns.join(',')}\r\n` : '';
        const text = header + formatUserLine(user, format, columns);
        const { rows, problems } = await readAll(text, format, 4);
        expect(problems).toEqual([]);
        expect(rows).toEqual([
          {
            line: format === 'csv' ? 2 : 1,
            username: 'o"neil',
            emailVerified: false,
            role: 'shopper',
            status: 'disabled',
            ...(includeHashes ? { passwordHash: '$2b$10$x,y', passwordNormalization: 'none' } : {}),
          },
        ]);
        if (!includeHashes) expect(text).not.toContain('$2b$');
      }
    }
  });

  it('picks the format from the file name', () => {
    expect(formatOfFileName('users.JSONL')).toBe('jsonl');
    expect(formatOfFileName('users.ndjson')).toBe('jsonl');
    expect(formatOfFileName('users.csv')).toBe('csv');
    expect(formatOfFileName('users.txt')).toBeUndefined();
  });
});
