/**
 * `@devauth/cli`: the `devauth` operator command (bin), and what it is made of for programs that embed it:
 * `runCli(argv)` runs one command and resolves to its exit code; `COMMANDS` is the command table; the users-file
 * readers and writers are the import/export format. Importing this module loads no adapter, driver or SDK.
 */
export {
  type CliIo,
  COMMON_OPTIONS,
  type CommandContext,
  type CommandDefinition,
  type CommandModule,
  type OperatorActor,
  type OptionSpec,
  type OptionValues,
} from './command.js';
export { COMMANDS, findCommand } from './commands.js';
export { CliError, EXIT, type ExitCode, UsageError } from './errors.js';
export { DEFAULT_MAX_RECORD_BYTES, type RawRecord, readCsvRecords, readLines } from './formats/records.js';
export {
  csvField,
  csvHeaderLine,
  exportColumns,
  type FileProblem,
  formatOfFileName,
  formatUserLine,
  type ReadUserFileOptions,
  readUserFile,
  USER_FILE_COLUMNS,
  USER_FILE_FORMATS,
  type UserFileColumn,
  UserFileError,
  type UserFileFormat,
  type UserFileOutputRow,
  type UserFileRow,
} from './formats/user-file.js';
export { type RunCliOptions, runCli } from './main.js';
