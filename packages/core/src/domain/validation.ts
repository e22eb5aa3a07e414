import type { z } from 'zod';
import { ValidationError } from './errors.js';

/** Parses with a zod schema and turns failures into the core's ValidationError (paths and messages, no values). */
export function parseInput<T extends z.ZodType>(schema: T, input: unknown): z.output<T> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  throw new ValidationError(
    result.error.issues.map((issue) => ({
      path: issue.path.map((segment) => (typeof segment === 'symbol' ? String(segment) : segment)),
      code: issue.code,
      message: issue.message,
    })),
  );
}
