/** Exit codes of `devauth` (README "Exit codes"). */
export const EXIT = {
  /** Done, nothing wrong. */
  ok: 0,
  /** Failed: the configuration, the store or the identity pool, a refused operation, a check of `doctor`. */
  failure: 1,
  /** The command line is wrong (unknown command or option, a missing or malformed argument). */
  usage: 2,
  /** `import-users` finished, but some rows were rejected (each one reported). */
  rejectedRows: 3,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** A failure to report in words, with the exit code it ends the command with. Never carries a secret. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = EXIT.failure,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

/** The command line is wrong: reported with a pointer to `--help`, exit code 2. */
export class UsageError extends CliError {
  constructor(
    message: string,
    readonly command?: string,
  ) {
    super(message, EXIT.usage);
    this.name = 'UsageError';
  }
}
