/**
 * Reading a password without it ever being an argument: from standard input (`--password-stdin`, one line, for
 * scripts and pipes) or from a terminal prompt that does not echo it (typed twice). Bounded: a password is never
 * longer than a few hundred bytes (the core's policy refuses more), so at most 4 KiB are read.
 */
import type { CliIo } from './command.js';
import { CliError, UsageError } from './errors.js';

const MAX_PASSWORD_INPUT_BYTES = 4096;

/** All of standard input, less one final line break. */
export async function readPasswordFromStdin(stdin: CliIo['stdin']): Promise<string> {
  const chunks: Buffer[] = [];
  let length = 0;
  for await (const chunk of stdin as AsyncIterable<Buffer | string>) {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    length += bytes.length;
    if (length > MAX_PASSWORD_INPUT_BYTES) {
      throw new CliError(`--password-stdin: more than ${MAX_PASSWORD_INPUT_BYTES} bytes on standard input`);
    }
    chunks.push(bytes);
  }
  const text = Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '');
  if (text.includes('\n')) throw new CliError('--password-stdin: standard input holds more than one line');
  if (text === '') throw new CliError('--password-stdin: standard input is empty');
  return text;
}

/** Prompts on stderr and reads one line from the terminal with echo off. Ctrl-C aborts, Ctrl-D ends the line. */
export function promptHidden(io: CliIo, prompt: string): Promise<string> {
  const { stdin, stderr } = io;
  if (!stdin.isTTY || typeof stdin.setRawMode !== 'function') {
    return Promise.reject(
      new UsageError(
        'no terminal to prompt for the password: pipe it with --password-stdin (never pass it as an argument)',
      ),
    );
  }
  const setRawMode = stdin.setRawMode.bind(stdin);
  stderr.write(prompt);
  return new Promise((resolve, reject) => {
    let typed = '';
    const done = (error: Error | null) => {
      stdin.removeListener('data', onData);
      setRawMode(false);
      stdin.pause();
      stderr.write('\n');
      if (error) reject(error);
      else resolve(typed);
    };
    const onData = (chunk: Buffer | string) => {
      for (const char of typeof chunk === 'string' ? chunk : chunk.toString('utf8')) {
        if (char === '\r' || char === '\n' || char === '\u0004') return done(null);
        if (char === '\u0003') return done(new CliError('cancelled', 130));
        if (char === '\u007f' || char === '\b') typed = [...typed].slice(0, -1).join('');
        else if (typed.length < MAX_PASSWORD_INPUT_BYTES) typed += char;
      }
    };
    setRawMode(true);
    stdin.resume();
    stdin.on('data', onData);
  });
}

/** The new password: from stdin with `fromStdin`, else prompted twice (the two must match). */
export async function readNewPassword(io: CliIo, fromStdin: boolean): Promise<string> {
  if (fromStdin) return readPasswordFromStdin(io.stdin);
  const first = await promptHidden(io, 'Password: ');
  if (first === '') throw new CliError('no password typed');
  const second = await promptHidden(io, 'Password again: ');
  if (first !== second) throw new CliError('the two passwords differ');
  return first;
}
