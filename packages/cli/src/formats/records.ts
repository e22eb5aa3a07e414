/**
 * Bounded, streaming record readers over a byte stream: JSON Lines (one record per line) and CSV (RFC 4180: quoted
 * fields, doubled quotes, CRLF or LF, newlines inside quotes). Each yields one record at a time with the 1-based line
 * it starts on, and reads the next chunk only when asked for the next record, so a file of any size runs in the
 * memory of one chunk plus one record. A record longer than `maxRecordBytes` is not buffered: its bytes are skipped
 * up to its end and it comes out as a problem, so one runaway line is one bad row, never an unbounded buffer.
 */

import { TextDecoder } from 'node:util';

/** A line (JSON Lines) or a record (CSV) longer than this is a bad row. */
export const DEFAULT_MAX_RECORD_BYTES = 64 * 1024;

const LF = 0x0a;
const CR = 0x0d;
const QUOTE = 0x22;
const COMMA = 0x2c;
const BOM = Buffer.from([0xef, 0xbb, 0xbf]);

/** A record, or why it could not be read (never its content: a bad row may hold a password hash). */
export type RawRecord<T> =
  | { readonly line: number; readonly value: T; readonly problem?: undefined }
  | { readonly line: number; readonly problem: string; readonly value?: undefined };

const tooLong = (max: number) => `longer than ${max} bytes`;

/** Decodes strictly: invalid UTF-8 is a bad row rather than U+FFFD silently written into a username. */
function decoder(): TextDecoder {
  return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
}

function toBuffer(chunk: unknown): Buffer {
  if (Buffer.isBuffer(chunk)) return chunk;
  if (chunk instanceof Uint8Array) return Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  return Buffer.from(String(chunk), 'utf8');
}

/** Drops a UTF-8 byte order mark at the very start of the stream (spreadsheets write one), across chunk edges. */
async function* withoutBom(source: AsyncIterable<unknown>): AsyncGenerator<Buffer> {
  let head: Buffer | null = Buffer.alloc(0);
  for await (const raw of source) {
    let chunk = toBuffer(raw);
    if (head !== null) {
      head = Buffer.concat([head, chunk]);
      if (head.length < 3 && BOM.subarray(0, head.length).equals(head)) continue;
      chunk = head.subarray(0, 3).equals(BOM) ? head.subarray(3) : head;
      head = null;
    }
    if (chunk.length > 0) yield chunk;
  }
  if (head !== null && head.length > 0 && !BOM.subarray(0, head.length).equals(head)) yield head;
}

/**
 * The lines of a stream (LF or CRLF), each at most `maxBytes` long (its terminator not counted); blank lines are left
 * out (their numbers still count). A line over the bound comes out as a problem without having been held in memory.
 */
export async function* readLines(
  source: AsyncIterable<unknown>,
  maxBytes = DEFAULT_MAX_RECORD_BYTES,
): AsyncGenerator<RawRecord<string>> {
  const text = decoder();
  let pieces: Buffer[] = [];
  let length = 0;
  let overflow = false;
  let line = 1;
  const keep = (piece: Buffer) => {
    if (overflow) return;
    // One byte of slack for the CR of a CRLF, which is not part of the line.
    if (length + piece.length > maxBytes + 1) {
      overflow = true;
      pieces = [];
      length = 0;
      return;
    }
    pieces.push(piece);
    length += piece.length;
  };
  const finish = (): RawRecord<string> | null => {
    const number = line;
    let body = overflow ? null : Buffer.concat(pieces, length);
    pieces = [];
    length = 0;
    overflow = false;
    if (body && body.length > 0 && body[body.length - 1] === CR) body = body.subarray(0, -1);
    if (!body || body.length > maxBytes) return { line: number, problem: tooLong(maxBytes) };
    let decoded: string;
    try {
      decoded = text.decode(body);
    } catch {
      return { line: number, problem: 'not valid UTF-8' };
    }
    return decoded.trim() === '' ? null : { line: number, value: decoded };
  };
  for await (const chunk of withoutBom(source)) {
    let start = 0;
    for (let newline = chunk.indexOf(LF, start); newline !== -1; newline = chunk.indexOf(LF, start)) {
      keep(chunk.subarray(start, newline));
      const record = finish();
      if (record) yield record;
      line++;
      start = newline + 1;
    }
    // Copied: the stream may reuse the chunk's memory once the next one is asked for.
    if (start < chunk.length) keep(Buffer.from(chunk.subarray(start)));
  }
  if (length > 0 || overflow) {
    const record = finish();
    if (record) yield record;
  }
}

enum Csv {
  FieldStart,
  Unquoted,
  Quoted,
  /** A quote inside a quoted field: the field's end, or the first of a doubled quote. */
  QuoteInQuoted,
}

/**
 * The records of a CSV stream (RFC 4180), each as its fields. Quoted fields may hold commas, doubled quotes and line
 * breaks; the record's line is the one it starts on. Records of one empty field (blank lines) are left out.
 * Malformed quoting (a quote inside an unquoted field, text after a closing quote, an unterminated quote) and
 * records over `maxBytes` are problems; reading goes on with the next record.
 */
export async function* readCsvRecords(
  source: AsyncIterable<unknown>,
  maxBytes = DEFAULT_MAX_RECORD_BYTES,
): AsyncGenerator<RawRecord<readonly string[]>> {
  const text = decoder();
  let state = Csv.FieldStart;
  let fields: string[] = [];
  let pieces: Buffer[] = [];
  let pieceBytes = 0;
  let quoted = false;
  let recordBytes = 0;
  let problem: string | undefined;
  let line = 1;
  let recordLine = 1;
  const piece = (bytes: Buffer) => {
    if (problem === undefined && bytes.length > 0) {
      pieces.push(bytes);
      pieceBytes += bytes.length;
    }
  };
  const endField = (atLineEnd: boolean) => {
    if (problem === undefined) {
      let bytes = Buffer.concat(pieces, pieceBytes);
      // The CR of a CRLF that ended an unquoted field.
      if (atLineEnd && !quoted && bytes.length > 0 && bytes[bytes.length - 1] === CR) bytes = bytes.subarray(0, -1);
      try {
        fields.push(text.decode(bytes));
      } catch {
        problem = 'not valid UTF-8';
      }
    }
    pieces = [];
    pieceBytes = 0;
    quoted = false;
  };
  const endRecord = (): RawRecord<readonly string[]> | null => {
    const result: RawRecord<readonly string[]> | null =
      problem !== undefined
        ? { line: recordLine, problem }
        : fields.length === 1 && fields[0] === ''
          ? null
          : { line: recordLine, value: fields };
    fields = [];
    problem = undefined;
    recordBytes = 0;
    state = Csv.FieldStart;
    // Called at the LF that ends the record: the next one starts on the next line.
    recordLine = line + 1;
    return result;
  };
  const fail = (reason: string) => {
    if (problem === undefined) {
      problem = reason;
      fields = [];
      pieces = [];
      pieceBytes = 0;
    }
  };
  for await (const chunk of withoutBom(source)) {
    let start = 0;
    for (let i = 0; i < chunk.length; i++) {
      const byte = chunk[i]!;
      // The record's bytes, its final line break left out (one byte of slack for the CR of a CRLF).
      if ((byte !== LF || state === Csv.Quoted) && ++recordBytes > maxBytes + 1) fail(tooLong(maxBytes));
      switch (state) {
        case Csv.FieldStart:
          if (byte === QUOTE) {
            state = Csv.Quoted;
            quoted = true;
            start = i + 1;
          } else if (byte === COMMA) {
            endField(false);
            start = i + 1;
          } else if (byte === LF) {
            endField(true);
            const record = endRecord();
            if (record) yield record;
            start = i + 1;
          } else {
            state = Csv.Unquoted;
            start = i;
          }
          break;
        case Csv.Unquoted:
          if (byte === COMMA || byte === LF) {
            piece(chunk.subarray(start, i));
            endField(byte === LF);
            start = i + 1;
            if (byte === LF) {
              const record = endRecord();
              if (record) yield record;
            } else {
              state = Csv.FieldStart;
            }
          } else if (byte === QUOTE) {
            fail('a quote inside an unquoted field (quote the whole field and double the quote)');
          }
          break;
        case Csv.Quoted:
          if (byte === QUOTE) {
            piece(chunk.subarray(start, i));
            state = Csv.QuoteInQuoted;
          }
          break;
        case Csv.QuoteInQuoted:
          if (byte === QUOTE) {
            // A doubled quote: the second one is content, and the field goes on.
            start = i;
            state = Csv.Quoted;
          } else if (byte === COMMA) {
            endField(false);
            state = Csv.FieldStart;
            start = i + 1;
          } else if (byte === LF) {
            endField(true);
            const record = endRecord();
            if (record) yield record;
            start = i + 1;
          } else if (byte !== CR) {
            fail('text after the closing quote of a field');
            state = Csv.Unquoted;
          }
          break;
      }
      if (byte === LF) line++;
    }
    // (State is also changed by endRecord, which the compiler's narrowing does not see.)
    const now = state as Csv;
    if (now === Csv.Unquoted || now === Csv.Quoted) piece(Buffer.from(chunk.subarray(start)));
  }
  if (state === Csv.Quoted) fail('a quoted field is not closed before the end of the file');
  if (state !== Csv.FieldStart || fields.length > 0 || problem !== undefined) {
    if (recordBytes > maxBytes) fail(tooLong(maxBytes));
    endField(true);
    const record = endRecord();
    if (record) yield record;
  }
}
