/**
 * What a command is: its name, its help, its options (node:util parseArgs shapes plus a description) and a `load`
 * that imports its implementation only when it runs, so `devauth --help` loads no adapter, driver or SDK. A new
 * command (`devauth dev`, later) is one more entry of `COMMANDS` (commands.ts) and one module.
 */
import type { Writable } from 'node:stream';
import type { Environment } from './environment.js';

export interface OptionSpec {
  readonly type: 'string' | 'boolean';
  readonly short?: string;
  readonly multiple?: boolean;
  /** The value's name in the help (`--role <role>`). */
  readonly value?: string;
  readonly description: string;
}

export type OptionValues = Readonly<Record<string, string | boolean | readonly string[] | undefined>>;

/** The streams and settings a command runs with (the process's own, or a test's). */
export interface CliIo {
  readonly stdout: Writable & { readonly isTTY?: boolean };
  readonly stderr: Writable & { readonly isTTY?: boolean };
  readonly stdin: NodeJS.ReadableStream & { readonly isTTY?: boolean; setRawMode?: (mode: boolean) => unknown };
  readonly env: Environment;
  readonly cwd: string;
}

/** Who the CLI acts as in the core's admin operations (and their audit events). */
export interface OperatorActor {
  readonly kind: 'operator';
  readonly name: string;
}

export interface CommandContext {
  readonly name: string;
  readonly io: CliIo;
  readonly values: OptionValues;
  readonly positionals: readonly string[];
  readonly actor: OperatorActor;
  /** Writes a line to stdout (the command's result). */
  readonly print: (line: string) => void;
  /** Writes a line to stderr (progress, notes, warnings). */
  readonly note: (line: string) => void;
}

export interface CommandModule {
  /** Returns the exit code (0 when nothing is returned); throws CliError/UsageError or a devauth error to fail. */
  run(context: CommandContext): Promise<number | undefined>;
}

export interface CommandDefinition {
  readonly name: string;
  /** One line, for the command list. */
  readonly summary: string;
  /** Synopsis lines, without the leading `devauth `. */
  readonly usage: readonly string[];
  /** Paragraphs after the synopsis. */
  readonly description: string;
  readonly options: Readonly<Record<string, OptionSpec>>;
  /** How many positional arguments it takes. */
  readonly positionals: { readonly min: number; readonly max: number; readonly names: string };
  readonly examples?: readonly string[];
  readonly load: () => Promise<CommandModule>;
}

/** Options every command takes. */
export const COMMON_OPTIONS: Readonly<Record<string, OptionSpec>> = {
  actor: {
    type: 'string',
    value: 'name',
    description: 'who the audit events name as the operator (default: your OS user name)',
  },
  'audit-log': {
    type: 'string',
    value: 'file',
    description:
      'append the audit trail (a JSON line per admin action: operator, target, change; never a secret) to <file> ' +
      'instead of stderr',
  },
  debug: { type: 'boolean', description: 'on an unexpected error, print its stack' },
  help: { type: 'boolean', short: 'h', description: 'show this help' },
};
