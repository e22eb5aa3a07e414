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

function record(chunk: unknown): void {
  const text = typeof chunk === 'string' ? chunk : Buffer.isBuffer(chunk) ? chunk.toString('utf8') : String(chunk);
  for (const line of text.split('\n')) if (line.length > 0) lines.push(line);
}

/** Remembers values that must never show up in any output (strings shorter than 8 characters are ignored). */
export function rememberSecrets(...values: ReadonlyArray<string | null | undefined>): void {
  for (const value of values) if (typeof value === 'string' && value.length >= MIN_SECRET_LENGTH) secrets.add(value);
}

/** A JSON logger (the handlers' own format) whose lines go to the capture and nowhere else. */
export function captureLogger(): Logger {
  return createJsonLogger({ write: record });
}

/** Lines captured so far (for tests that look at what was logged). */
export function capturedLines(): readonly string[] {
  return lines;
}

/** The remembered secrets that appear in some captured line, with the first line each appears in. */
export function leakedSecrets(): Array<{ secret: string; line: string }> {
  const leaks: Array<{ secret: string; line: string }> = [];
  for (const secret of secrets) {
    const line = lines.find((candidate) => candidate.includes(secret));
    if (line !== undefined) leaks.push({ secret, line });
  }
  return leaks;
}

/** Only for the capture's own self-test: forgets a canary it planted on purpose. */
export function forgetSecrets(...values: readonly string[]): void {
  for (const value of values) secrets.delete(value);
}

export function rememberedSecretCount(): number {
  return secrets.size;
}

// Capture raw writes (anything that bypasses console) and console calls (Vitest intercepts console in workers).
for (const stream of [process.stdout, process.stderr]) {
  const original = stream.write.bind(stream);
  stream.write = ((chunk: unknown, ...rest: unknown[]) => {
    record(chunk);
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
