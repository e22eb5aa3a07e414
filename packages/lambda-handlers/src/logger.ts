/**
 * The logging port of the handlers: three methods shaped like AWS Lambda Powertools' Logger
 * (`logger.info(message, extraObject)`), so a Powertools Logger can be passed as is:
 *
 *   import { Logger } from '@aws-lambda-powertools/logger';
 *   createAuthHandlers({ ..., logger: new Logger({ serviceName: 'devauth' }) });
 *
 * Handlers only ever log metadata (route, status, error code, latency, request id): never bodies, headers,
 * passwords, hashes, tokens, invitation codes or secrets.
 */
export type LogFields = Record<string, unknown>;

/**
 * `...fields` (devauth passes one object) mirrors Powertools' `(input, ...extra: [Error | string] | LogAttributes[])`,
 * which is what lets its `Logger` be assigned to this type; with `fields?: LogFields` it is not (an optional
 * `undefined` fits neither of its rest forms). Loggers declaring `(message, fields?)` still fit.
 */
export interface Logger {
  info(message: string, ...fields: LogFields[]): void;
  warn(message: string, ...fields: LogFields[]): void;
  error(message: string, ...fields: LogFields[]): void;
}

export interface JsonLoggerOptions {
  /** Where each JSON line goes. Default: stdout, which Lambda ships to CloudWatch Logs. */
  readonly write?: (line: string) => void;
  /** Fields added to every line (service name, ...). */
  readonly base?: LogFields;
}

/** One JSON object per line: `{"level":"INFO","message":...,"timestamp":...,...fields}`. */
export function createJsonLogger(options: JsonLoggerOptions = {}): Logger {
  const write = options.write ?? ((line: string) => process.stdout.write(`${line}\n`));
  const base = options.base ?? {};
  const log =
    (level: string) =>
    (message: string, ...fields: LogFields[]) => {
      write(
        JSON.stringify({
          level,
          message,
          timestamp: new Date().toISOString(),
          ...base,
          ...Object.assign({}, ...fields),
        }),
      );
    };
  return { info: log('INFO'), warn: log('WARN'), error: log('ERROR') };
}

/** Discards everything (tests that do not look at logs). */
export const silentLogger: Logger = { info() {}, warn() {}, error() {} };
