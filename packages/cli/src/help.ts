import { COMMON_OPTIONS, type CommandDefinition, type OptionSpec } from './command.js';
import { COMMANDS } from './commands.js';

const WIDTH = 100;

function wrap(text: string, indent = 0): string {
  const lines: string[] = [];
  let current = '';
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (current !== '' && indent + current.length + 1 + word.length > WIDTH) {
      lines.push(current);
      current = word;
    } else {
      current = current === '' ? word : `${current} ${word}`;
    }
  }
  if (current !== '') lines.push(current);
  return lines.map((line) => `${' '.repeat(indent)}${line}`).join('\n');
}

function optionRows(options: Readonly<Record<string, OptionSpec>>): string[] {
  const rows = Object.entries(options)
    .filter(([name]) => name !== 'password')
    .map(([name, spec]) => {
      const flag = `${spec.short ? `-${spec.short}, ` : '    '}--${name}${spec.type === 'string' ? ` <${spec.value ?? 'value'}>` : ''}`;
      return [flag, spec.description] as const;
    });
  const width = Math.max(...rows.map(([flag]) => flag.length)) + 2;
  return rows.map(([flag, description]) => {
    const body = wrap(description, width + 2).trimStart();
    return `  ${flag.padEnd(width)}${body}`;
  });
}

export const ENVIRONMENT_HELP = `Environment (the Lambda handlers' variables, read the same way):
  DEVAUTH_STORE                     dynamodb, postgres, pglite or memory (required)
  DEVAUTH_TABLE_NAME                the DynamoDB table (dynamodb)
  DEVAUTH_DATABASE_URL              postgres://... (postgres), or instead:
  DEVAUTH_DATABASE_SECRET_ARN       the RDS secret (postgres), with DEVAUTH_DATABASE_HOST, DEVAUTH_DATABASE_TLS,
                                    DEVAUTH_DATABASE_CA_FILE
  DEVAUTH_PGLITE_DATA_DIR           the PGlite data directory (pglite)
  DEVAUTH_IDENTITY_POOL_ID          the identity pool (set-role, disable, doctor)
  DEVAUTH_DEVELOPER_PROVIDER_NAME   its developer provider name
  DEVAUTH_REGION or AWS_REGION      the region of the table, secret and pool
  DEVAUTH_COGNITO_ENDPOINT          another Cognito Identity endpoint (a local emulator)
  DEVAUTH_ROLES                     the roles (comma-separated; default shopper, seller, admin)
  and the rest of @devauth/lambda-handlers' configuration (README "Configuration").
AWS credentials come from the usual chain (environment, AWS_PROFILE, SSO).`;

export const EXIT_CODES_HELP = `Exit codes:
  0  done
  1  failed (configuration, store or identity pool, a refused operation, a failed doctor check)
  2  usage error (unknown command or option, missing argument)
  3  import-users finished with rejected rows`;

export function globalHelp(): string {
  const width = Math.max(...COMMANDS.map((command) => command.name.length)) + 2;
  return [
    'Usage: devauth <command> [options]',
    '',
    wrap(
      "devauth's operator tool: administer the users of a devauth deployment from the same environment as its " +
        'Lambda handlers (the store, the table or database, the identity pool).',
    ),
    '',
    'Commands:',
    ...COMMANDS.map((command) => `  ${command.name.padEnd(width)}${command.summary}`),
    '',
    'Options:',
    "  -h, --help     show this help; `devauth <command> --help` shows a command's",
    '      --version  print the version',
    '',
    ENVIRONMENT_HELP,
    '',
    EXIT_CODES_HELP,
    '',
  ].join('\n');
}

export function commandHelp(command: CommandDefinition): string {
  return [
    `Usage: ${command.usage.map((line) => `devauth ${line}`).join('\n       ')}`,
    '',
    wrap(command.description),
    '',
    'Options:',
    ...optionRows({ ...command.options, ...COMMON_OPTIONS }),
    ...(command.examples?.length ? ['', 'Examples:', ...command.examples.map((example) => `  ${example}`)] : []),
    '',
    'Configured from the environment: see `devauth --help`.',
    '',
  ].join('\n');
}
