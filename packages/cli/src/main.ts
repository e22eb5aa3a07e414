/**
 * `runCli(argv)`: parses the command line, runs one command and returns its exit code. Every failure ends here as
 * one message in words on stderr (a stack only with --debug), never as an unhandled rejection.
 */
import { readFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { parseArgs } from 'node:util';
import { ConfigurationError, isDevauthError, UpstreamUnavailableError, ValidationError } from '@devauth/core';
import {
  type CliIo,
  COMMON_OPTIONS,
  type CommandContext,
  type CommandDefinition,
  type OperatorActor,
  type OptionValues,
} from './command.js';
import { COMMANDS, findCommand } from './commands.js';
import { describeConfigurationError, missingPackageOf } from './environment.js';
import { CliError, EXIT, UsageError } from './errors.js';
import { commandHelp, globalHelp } from './help.js';

export interface RunCliOptions {
  /** The process's streams and environment by default. */
  readonly io?: CliIo;
  /** Printed by `--version`. */
  readonly version?: string;
}

function processIo(): CliIo {
  return { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, env: process.env, cwd: process.cwd() };
}

/** Runs `devauth <argv...>` and resolves to its exit code (0, 1, 2 or 3: see EXIT). */
export async function runCli(argv: readonly string[], options: RunCliOptions = {}): Promise<number> {
  const io = options.io ?? processIo();
  if (io.env[MEMORY_REPORT_ENV] !== '1') return runCommandLine(argv, options, io);
  const sampler = memorySampler();
  try {
    return await runCommandLine(argv, options, io);
  } finally {
    io.stderr.write(`${sampler.stop()}\n`);
  }
}

/**
 * Set to 1, the process reports on stderr at the end how much memory it took (`memory: maxRSS=<KiB>
 * maxHeapUsed=<KiB>`): what the tests use to check that an import streams. Not for production use.
 */
export const MEMORY_REPORT_ENV = 'DEVAUTH_CLI_REPORT_MEMORY';

function memorySampler(): { stop(): string } {
  let maxHeapUsed = process.memoryUsage().heapUsed;
  const timer = setInterval(() => {
    maxHeapUsed = Math.max(maxHeapUsed, process.memoryUsage().heapUsed);
  }, 50);
  timer.unref();
  return {
    stop() {
      clearInterval(timer);
      maxHeapUsed = Math.max(maxHeapUsed, process.memoryUsage().heapUsed);
      return `memory: maxRSS=${peakRssKiB()} maxHeapUsed=${Math.round(maxHeapUsed / 1024)}`;
    },
  };
}

/**
 * This process's peak RSS in KiB: VmHWM on Linux. Not getrusage's maxRSS there, which a spawned process inherits from
 * its parent's RSS at fork (a test runner's worker of a gigabyte reads as this command's).
 */
function peakRssKiB(): number {
  try {
    const hwm = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync('/proc/self/status', 'utf8'));
    if (hwm) return Number(hwm[1]);
  } catch {
    // Not Linux: getrusage's figure.
  }
  return process.resourceUsage().maxRSS;
}

async function runCommandLine(argv: readonly string[], options: RunCliOptions, io: CliIo): Promise<number> {
  const write = (stream: CliIo['stdout'], text: string) => stream.write(text.endsWith('\n') ? text : `${text}\n`);
  const [first, ...rest] = argv;
  if (first === undefined) {
    write(io.stderr, globalHelp());
    return EXIT.usage;
  }
  if (first === '--help' || first === '-h' || (first === 'help' && rest.length === 0)) {
    write(io.stdout, globalHelp());
    return EXIT.ok;
  }
  if (first === '--version' || first === '-v') {
    write(io.stdout, options.version ?? 'unknown');
    return EXIT.ok;
  }
  if (first === 'help') {
    const command = findCommand(rest[0]!);
    if (!command) return report(unknownCommand(rest[0]!), io, undefined, false);
    write(io.stdout, commandHelp(command));
    return EXIT.ok;
  }
  if (first.startsWith('-')) {
    return report(new UsageError(`unknown option ${optionName(first)} (options come after the command)`), io);
  }
  const command = findCommand(first);
  if (!command) return report(unknownCommand(first), io);

  let parsed: { values: OptionValues; positionals: string[] };
  try {
    parsed = parseCommandLine(command, rest);
  } catch (error) {
    return report(error, io, command, false);
  }
  if (parsed.values.help === true) {
    write(io.stdout, commandHelp(command));
    return EXIT.ok;
  }
  const debug = parsed.values.debug === true;
  try {
    const context: CommandContext = {
      name: command.name,
      io,
      values: parsed.values,
      positionals: parsed.positionals,
      actor: operatorActor(parsed.values.actor, io),
      print: (line) => write(io.stdout, line),
      note: (line) => write(io.stderr, line),
    };
    const module = await command.load();
    return (await module.run(context)) ?? EXIT.ok;
  } catch (error) {
    return report(error, io, command, debug);
  }
}

function parseCommandLine(
  command: CommandDefinition,
  args: readonly string[],
): { values: OptionValues; positionals: string[] } {
  const specs = { ...command.options, ...COMMON_OPTIONS };
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({
      args: [...args],
      options: Object.fromEntries(
        Object.entries(specs).map(([name, spec]) => [
          name,
          {
            type: spec.type,
            ...(spec.short ? { short: spec.short } : {}),
            ...(spec.multiple ? { multiple: true } : {}),
          },
        ]),
      ),
      strict: true,
      allowPositionals: true,
    });
  } catch (error) {
    throw parseArgsError(error, command);
  }
  const values = parsed.values as OptionValues;
  if (values.help === true) return { values, positionals: parsed.positionals };
  if (values.password !== undefined) {
    throw new UsageError(
      '--password is refused: arguments are visible to every user of the machine (ps). Type the password at ' +
        'the prompt, or pipe it with --password-stdin',
      command.name,
    );
  }
  const { min, max, names } = command.positionals;
  if (parsed.positionals.length > max) {
    const extra = parsed.positionals[max]!;
    throw new UsageError(
      max === 0
        ? `takes no arguments, got "${extra.slice(0, 40)}"`
        : `takes at most ${max} argument${max === 1 ? '' : 's'} (${names}), got another: "${extra.slice(0, 40)}"`,
      command.name,
    );
  }
  if (parsed.positionals.length < min) throw new UsageError(`missing ${names}`, command.name);
  return { values, positionals: parsed.positionals };
}

/** node:util's parse errors, reworded; an option's value is never echoed (`--password=...` may be a secret). */
function parseArgsError(error: unknown, command: CommandDefinition): unknown {
  const { code, message } = (error ?? {}) as { code?: string; message?: string };
  if (typeof code !== 'string' || !code.startsWith('ERR_PARSE_ARGS')) return error;
  const option = /'(-[^'\s=]*)/.exec(message ?? '')?.[1];
  const name = option ? optionName(option) : 'an option';
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') return new UsageError(`unknown option ${name}`, command.name);
  if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
    const long = /--([\w-]+)/.exec(message ?? '')?.[1];
    const spec = long ? (command.options[long] ?? COMMON_OPTIONS[long]) : undefined;
    return new UsageError(
      spec?.type === 'boolean'
        ? `--${long} takes no value`
        : `--${long ?? name} needs a value${spec?.value ? ` (<${spec.value}>)` : ''}`,
      command.name,
    );
  }
  return new UsageError('the command line could not be read', command.name);
}

function optionName(arg: string): string {
  return arg.split('=')[0]!.slice(0, 40);
}

function unknownCommand(name: string): UsageError {
  const near = COMMANDS.find((command) => command.name.startsWith(name.slice(0, 3)));
  return new UsageError(
    `unknown command "${name.slice(0, 40)}"${near ? ` (did you mean ${near.name}?)` : ''}; \`devauth --help\` lists them`,
  );
}

function operatorActor(option: unknown, io: CliIo): OperatorActor {
  let name = typeof option === 'string' ? option.trim() : '';
  if (name === '') {
    try {
      name = userInfo().username;
    } catch {
      name = io.env.USER ?? io.env.LOGNAME ?? '';
    }
  }
  if (name === '') name = 'operator';
  if (!/^[\p{L}\p{N}._@+-]{1,64}$/u.test(name)) {
    throw new UsageError('--actor: 1-64 letters, digits or . _ @ + -');
  }
  return { kind: 'operator', name };
}

/** One message in words for any failure, and its exit code. */
function report(error: unknown, io: CliIo, command?: CommandDefinition, debug = false): number {
  const prefix = command ? `devauth ${command.name}` : 'devauth';
  const say = (text: string) => io.stderr.write(`${prefix}: ${text}\n`);
  if (error instanceof UsageError) {
    say(error.message);
    io.stderr.write(`Run \`devauth ${command ? `${command.name} ` : ''}--help\` for usage.\n`);
    return EXIT.usage;
  }
  if (error instanceof CliError) {
    say(error.message);
    return error.exitCode;
  }
  const missing = missingPackageOf(error);
  if (missing) {
    say(`the package ${missing} is needed for this configuration and is not installed (npm install ${missing})`);
  } else if (error instanceof ConfigurationError) {
    say(describeConfigurationError(error));
  } else if (error instanceof ValidationError) {
    say(
      error.issues.length === 1
        ? `invalid ${issueLine(error.issues[0]!)}`
        : `invalid input:\n${error.issues.map((issue) => `  ${issueLine(issue)}`).join('\n')}`,
    );
  } else if (error instanceof UpstreamUnavailableError) {
    say(`the store or the identity pool did not answer: ${error.message}`);
  } else if (isDevauthError(error)) {
    say(`${error.message} (${error.code})`);
  } else {
    const { name, message } = error instanceof Error ? error : { name: 'Error', message: String(error) };
    say(`unexpected error: ${name}: ${message}${debug ? '' : ' (--debug prints the stack)'}`);
  }
  if (debug && error instanceof Error && error.stack) io.stderr.write(`${error.stack}\n`);
  return EXIT.failure;
}

function issueLine(issue: ValidationError['issues'][number]): string {
  return `${issue.path.join('.') || 'input'}: ${issue.message}`;
}
