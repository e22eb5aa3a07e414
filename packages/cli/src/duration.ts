import { UsageError } from './errors.js';

const UNITS: Readonly<Record<string, number>> = { s: 1, m: 60, h: 3600, d: 86_400, w: 604_800 };

/** `90m`, `12h`, `7d`, `2w`, `3600s` or `3600` (seconds) as seconds; anything else is a usage error. */
export function parseDuration(text: string, option: string): number {
  const match = /^(\d{1,9})([smhdw]?)$/.exec(text.trim());
  if (!match) {
    throw new UsageError(`${option}: "${text.slice(0, 20)}" is not a duration (e.g. 90m, 12h, 7d, 2w, 3600s)`);
  }
  return Number(match[1]) * UNITS[match[2] || 's']!;
}
