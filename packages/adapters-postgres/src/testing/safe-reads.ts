import { readdirSync, readFileSync } from 'node:fs';

/** Reads that answer empty instead of throwing: a directory that may not exist, a log that may not be written yet. */

export function readdirSafe(path: string): string[] {
  try {
    return readdirSync(path);
  } catch {
    return [];
  }
}

export function tail(file: string, lines = 20): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}
