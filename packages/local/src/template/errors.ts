/**
 * A synthesized template the offline runner cannot serve: a missing or malformed part, or a feature it does not
 * emulate. The message names the resource (its logical id) and what to change.
 */
export class TemplateError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TemplateError';
  }
}
