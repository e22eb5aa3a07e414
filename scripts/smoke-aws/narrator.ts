/**
 * What `pnpm smoke:aws` prints, and how: the Narrator masks every secret of the run (and anything JWT- or
 * access-key-shaped) in every line, and counts failed checks; describeError turns an error into one printable line.
 */
import { DevauthClientError } from '@devauth/client';

/** Everything printed goes through here: secrets of the run and anything JWT- or access-key-shaped are masked. */
export class Narrator {
  private readonly secrets = new Set<string>();
  failures = 0;

  keep(...values: ReadonlyArray<string | undefined>): void {
    for (const value of values) if (value && value.length >= 8) this.secrets.add(value);
  }

  redact(text: string): string {
    let result = text
      .replace(/eyJ[\w-]*\.[\w-]+\.[\w-]*/g, '[token]')
      .replace(/\b(?:AKIA|ASIA)[A-Z0-9]{12,}\b/g, '[access-key]');
    for (const secret of this.secrets) result = result.split(secret).join('[redacted]');
    return result;
  }

  line(text = ''): void {
    process.stdout.write(`${this.redact(text)}\n`);
  }

  ok(text: string): void {
    this.line(`  ✓ ${text}`);
  }

  fail(text: string): void {
    this.failures++;
    this.line(`  ✗ ${text}`);
  }
}

/** A failed expectation of the journey: the remaining steps depend on it, so the journey stops there. */
export class CheckFailed extends Error {}

export function describeError(error: unknown): string {
  if (error instanceof CheckFailed) return error.message;
  if (error instanceof DevauthClientError) {
    const cause = error.cause instanceof Error ? ` (${error.cause.message})` : '';
    return `${error.code}, HTTP ${error.status}: ${error.message}${cause}`;
  }
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}
