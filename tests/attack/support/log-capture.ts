/**
 * Every line the attack suite writes, captured and searched for the secrets it used.
 *
 * Importing this module (once per test file: Vitest runs each file in its own worker) starts capturing
 * process.stdout, process.stderr and console output of the worker, and registers an `afterAll` that fails the file
 * if any remembered secret appears in any captured line. Handlers built by the suite should log through
 * `captureLogger` (a JSON logger whose lines land in the same capture), so nothing a handler logs escapes the search.
 *
 * Secrets shorter than MIN_SECRET_LENGTH are not remembered: a fuzzed password of "a" would "appear" in every line.
 * Every secret the suite chooses itself (passwords, tokens, invitation codes, hashes, credentials) is longer.
 */
import { format } from 'node:util';
import { createJsonLogger, type Logger } from '@devauth/lambda-handlers';
import { afterAll, expect } from 'vitest';

const MIN_SECRET_LENGTH = 8;
const secrets = new Set<string>();
const lines: string[] = [];

/** What a stream wrote after its last newline: a line written in several chunks is searched as one line. */
const unfinished = new Map<string, string>();

function record(chunk: unknown, stream?: string): void {
  let text = typeof chunk === 'string' ? chunk : Buffer.isBuffer(chunk) ? chunk.toString('utf8') : String(chunk);
  if (stream !== undefined) {
    text = (unfinished.get(stream) ?? '') + text;
    const end = text.lastIndexOf('\n');
    unfinished.set(stream, text.slice(end + 1));
    text = text.slice(0, end + 1);
  }
  for (const line of text.split('\n')) if (line.length > 0) lines.push(line);
}

/** The forms a secret is searched in: as is, and as a JSON logger escapes it (quotes, backslashes, controls). */
function searchForms(value: string): string[] {
  const escaped = JSON.stringify(value).slice(1, -1);
  return escaped === value ? [value] : [value, escaped];
}

/** Remembers values that must never show up in any output (strings shorter than 8 characters are ignored). */
export function rememberSecrets(...values: ReadonlyArray<string | null | undefined>): void {
  for (const value of values) {
    if (typeof value === 'string' && value.length >= MIN_SECRET_LENGTH)
      for (const form of searchForms(value)) secrets.add(form);
  }
}

/** A JSON logger (the handlers' own format) whose lines go to the capture and nowhere else. */
export function captureLogger(): Logger {
  return createJsonLogger({ write: record });
}

/** Lines captured so far (for tests that look at what was logged), including a last line not yet ended. */
export function capturedLines(): readonly string[] {
  const pending = [...unfinished.values()].filter((line) => line.length > 0);
  return pending.length === 0 ? lines : [...lines, ...pending];
}

/**
 * The remembered secrets that appear in some captured line, with the first line each appears in.
 *
 * One pass over the captured text whatever the number of secrets: secrets are indexed by their first
 * MIN_SECRET_LENGTH characters, and every window of that size in every line is looked up. (Checking each secret
 * against each line is quadratic: the fuzz suite captures tens of thousands of lines and remembers thousands of
 * tokens and hashes.)
 */
export function leakedSecrets(): Array<{ secret: string; line: string }> {
  const byPrefix = new Map<string, string[]>();
  for (const secret of secrets) {
    const prefix = secret.slice(0, MIN_SECRET_LENGTH);
    const group = byPrefix.get(prefix);
    if (group) group.push(secret);
    else byPrefix.set(prefix, [secret]);
  }
  const found = new Map<string, string>();
  for (const line of capturedLines()) {
    for (let at = 0; at + MIN_SECRET_LENGTH <= line.length; at++) {
      const candidates = byPrefix.get(line.slice(at, at + MIN_SECRET_LENGTH));
      if (candidates === undefined) continue;
      for (const secret of candidates) if (!found.has(secret) && line.startsWith(secret, at)) found.set(secret, line);
    }
  }
  return [...secrets].flatMap((secret) => {
    const line = found.get(secret);
    return line === undefined ? [] : [{ secret, line }];
  });
}

/** Only for the capture's own self-test: forgets a canary it planted on purpose. */
export function forgetSecrets(...values: readonly string[]): void {
  for (const value of values) for (const form of searchForms(value)) secrets.delete(form);
}

export function rememberedSecretCount(): number {
  return secrets.size;
}

// Capture raw writes (anything that bypasses console) and console calls (Vitest intercepts console in workers).
for (const [name, stream] of [
  ['stdout', process.stdout],
  ['stderr', process.stderr],
] as const) {
  const original = stream.write.bind(stream);
  stream.write = ((chunk: unknown, ...rest: unknown[]) => {
    record(chunk, name);
    return (original as (...args: unknown[]) => boolean)(chunk, ...rest);
  }) as typeof stream.write;
}
for (const method of ['log', 'info', 'warn', 'error', 'debug', 'trace'] as const) {
  const original = console[method].bind(console);
  console[method] = (...args: unknown[]) => {
    record(format(...args));
    original(...args);
  };
}

afterAll(() => {
  // A leak report must not print the secret itself in full either.
  const leaks = leakedSecrets().map(({ secret, line }) => ({
    secret: `${secret.slice(0, 3)}…(${secret.length} chars)`,
    line: line.replace(secret, '<SECRET>').slice(0, 300),
  }));
  expect(leaks).toEqual([]);
});
