/**
 * The command table of `devauth`. Each entry is metadata plus a lazy `load`; the order is the order of `--help`.
 * To add a command (e.g. `dev`, a local server from @devauth/dev), add an entry here and its module under
 * commands/: nothing else dispatches on command names.
 */
import type { CommandDefinition } from './command.js';

const userTarget = {
  id: { type: 'string', value: 'user-id', description: 'name the user by id instead of by username' },
} as const;

const json = { type: 'boolean', description: 'print the result as JSON' } as const;

export const COMMANDS: readonly CommandDefinition[] = [
  {
    name: 'dev',
    summary: 'run the app locally: identity pool, gateway and handlers, with a persistent store',
    usage: [
      'dev [--config <file>] [--store pglite|memory] [--data-dir <dir>] [--port <n>] [--emulator-port <n>]',
      '    [--outbox-port <n>] [--info-file <file>] [--no-watch] [--json]',
    ],
    description:
      'Serves the app of devauth.config.ts (routes, roles, handlers; see @devauth/dev) with the whole architecture ' +
      'on 127.0.0.1: the identity-pool emulator, the gateway checking SigV4 and the IAM policies, the auth handlers ' +
      "and the app's handlers behind the guard. Users, sessions and identities are kept in PGlite in the data " +
      'directory (default .devauth), so they survive a restart; --store memory keeps nothing. Ports are free ones ' +
      'unless given. What a front end needs (API URL, identity pool id, region, Cognito endpoint, outbox URL) is ' +
      'printed and written to the info file (default <data-dir>/dev-server.json). Reset and verification messages ' +
      'are listed at the outbox URL. Handlers are reloaded when a file they load changes. Ctrl+C stops everything.',
    options: {
      config: {
        type: 'string',
        value: 'file',
        description: 'the config file (default: devauth.config.ts in the working directory)',
      },
      store: { type: 'string', value: 'kind', description: 'pglite (default, persisted) or memory' },
      'data-dir': {
        type: 'string',
        value: 'dir',
        description: 'where the store and identities are kept (default .devauth)',
      },
      port: { type: 'string', value: 'n', description: 'the API port (default: a free one)' },
      'emulator-port': {
        type: 'string',
        value: 'n',
        description: 'the identity-pool emulator port (default: a free one)',
      },
      'outbox-port': { type: 'string', value: 'n', description: 'the outbox page port (default: a free one)' },
      'info-file': { type: 'string', value: 'file', description: 'where the front-end settings JSON is written' },
      'no-watch': { type: 'boolean', description: 'do not reload handlers when their files change' },
      json,
    },
    positionals: { min: 0, max: 0, names: '' },
    examples: ['devauth dev', 'devauth dev --store memory --port 3000 --info-file web/public/devauth.json'],
    load: () => import('./commands/dev.js'),
  },
  {
    name: 'create-admin',
    summary: 'register a user with the admin role (the first administrator)',
    usage: ['create-admin --username <name> [--email <address>] [--password-stdin]'],
    description:
      'Registers a user with role admin, as the operator (no invitation needed). The password is read from a ' +
      'terminal prompt that does not echo (asked twice), or with --password-stdin from standard input (one line), ' +
      'never from the command line, where every user of the machine could read it in `ps`. The password policy of ' +
      'registration applies. With an email address and DEVAUTH_MESSAGES=ses, a verification message is sent.',
    options: {
      username: { type: 'string', value: 'name', description: 'the username (required)' },
      email: { type: 'string', value: 'address', description: 'an email address' },
      'password-stdin': { type: 'boolean', description: 'read the password from standard input instead of a prompt' },
      password: { type: 'string', value: 'never', description: 'refused: see --password-stdin' },
      json,
    },
    positionals: { min: 0, max: 0, names: '' },
    examples: [
      'printf \'%s\' "$ADMIN_PASSWORD" | devauth create-admin --username alice --email alice@example.com --password-stdin',
    ],
    load: () => import('./commands/create-admin.js'),
  },
  {
    name: 'create-invitation',
    summary: 'create a single-use invitation code for a role',
    usage: ['create-invitation --role <role> [--expires <duration>]'],
    description:
      'Creates an invitation to self-register with <role> and prints its code once: only its digest is stored, so ' +
      'it cannot be shown again. Give it to the invitee, who registers with it as invitationCode.',
    options: {
      role: { type: 'string', value: 'role', description: 'the role it grants (required), e.g. seller' },
      expires: {
        type: 'string',
        value: 'duration',
        description: 'how long it is valid: 90m, 12h, 7d, 2w or seconds (default: the core, 7 days)',
      },
      json,
    },
    positionals: { min: 0, max: 0, names: '' },
    examples: ['devauth create-invitation --role seller --expires 7d'],
    load: () => import('./commands/create-invitation.js'),
  },
  {
    name: 'list-users',
    summary: 'list users, filtered, one page at a time',
    usage: ['list-users [--prefix <p>] [--email <a>] [--role <r>] [--status active|disabled] [--limit <n>]'],
    description:
      'Lists users in username order. Filters combine. A page holds at most --limit users (1-100, default 50); ' +
      'when more follow, the cursor of the next page is printed on stderr (`next: --cursor <c>`), or --all ' +
      'follows every page.',
    options: {
      prefix: { type: 'string', value: 'prefix', description: 'usernames starting with this' },
      email: { type: 'string', value: 'address', description: 'the user with this email address' },
      role: { type: 'string', value: 'role', description: 'users of this role' },
      status: { type: 'string', value: 'status', description: 'active or disabled' },
      limit: { type: 'string', value: 'n', description: 'users per page, 1-100 (default 50)' },
      cursor: { type: 'string', value: 'cursor', description: 'the page after the one that printed this cursor' },
      all: { type: 'boolean', description: 'follow the cursors to the last page' },
      json: { type: 'boolean', description: 'one JSON object per user (JSON Lines)' },
    },
    positionals: { min: 0, max: 0, names: '' },
    load: () => import('./commands/list-users.js'),
  },
  {
    name: 'set-role',
    summary: "change a user's role (ends their sessions)",
    usage: ['set-role <username> --role <role>', 'set-role --id <user-id> --role <role>'],
    description:
      "Sets the user's role. Any change revokes the user's sessions and Cognito link (credentials carry the old " +
      'role tag), so the next login gets the new role. Needs the identity pool variables.',
    options: { role: { type: 'string', value: 'role', description: 'the new role (required)' }, ...userTarget, json },
    positionals: { min: 0, max: 1, names: '<username>' },
    load: () => import('./commands/set-role.js'),
  },
  {
    name: 'disable',
    summary: 'disable a user (ends their sessions; login refused)',
    usage: ['disable <username>', 'disable --id <user-id>'],
    description:
      'Disables the account: its sessions and Cognito link are revoked and logins are refused until it is enabled. ' +
      'Needs the identity pool variables.',
    options: { ...userTarget, json },
    positionals: { min: 0, max: 1, names: '<username>' },
    load: () => import('./commands/set-status.js'),
  },
  {
    name: 'enable',
    summary: 'enable a disabled user',
    usage: ['enable <username>', 'enable --id <user-id>'],
    description: 'Enables a disabled account; the user logs in again with their password.',
    options: { ...userTarget, json },
    positionals: { min: 0, max: 1, names: '<username>' },
    load: () => import('./commands/set-status.js'),
  },
  {
    name: 'migrate',
    summary: 'apply the PostgreSQL schema migrations',
    usage: ['migrate'],
    description:
      'Applies the migrations of @devauth/adapters-postgres that the database lacks, each once, under an advisory ' +
      'lock (safe to run twice, or beside a deployment). For DEVAUTH_STORE=postgres (DEVAUTH_DATABASE_URL or ' +
      'DEVAUTH_DATABASE_SECRET_ARN) and pglite (DEVAUTH_PGLITE_DATA_DIR); DynamoDB has no migrations.',
    options: { json },
    positionals: { min: 0, max: 0, names: '' },
    load: () => import('./commands/migrate.js'),
  },
  {
    name: 'doctor',
    summary: 'check the configuration, the store and the identity pool',
    usage: ['doctor'],
    description:
      'Checks, in order: the configuration (every variable the handlers read), the store (one lookup of a random ' +
      'username), the PostgreSQL migrations, and the identity pool (DescribeIdentityPool, and its developer ' +
      'provider name against DEVAUTH_DEVELOPER_PROVIDER_NAME). Prints each check with ok or FAIL and a sentence; ' +
      'exits 1 if any failed.',
    options: { json },
    positionals: { min: 0, max: 0, names: '' },
    load: () => import('./commands/doctor.js'),
  },
  {
    name: 'import-users',
    summary: 'import users with their existing password hashes (JSON Lines or CSV)',
    usage: ['import-users <file> [--format jsonl|csv] [--on-existing skip|update] [--rejects <file>] [--progress]'],
    description:
      'Reads <file> (or - for standard input, with --format) as a stream, one user per line, and writes them in ' +
      'batches. Each row: username, and optionally email, emailVerified, role, status, and either passwordHash ' +
      '(argon2id/argon2i PHC, scrypt PHC, bcrypt, Django pbkdf2_sha256) or noPassword true. Every row is ' +
      'validated; a bad row is reported on stderr as `line N: <field>: <reason>` (never its hash) and the import ' +
      'goes on. Users that exist already are skipped (default) or updated (--on-existing update), so a re-run is ' +
      'safe. Exit code 3 when it finished with rejected rows.',
    options: {
      format: { type: 'string', value: 'format', description: 'jsonl or csv (default: from the extension)' },
      'on-existing': {
        type: 'string',
        value: 'mode',
        description: 'skip (default) or update users whose username exists',
      },
      rejects: {
        type: 'string',
        value: 'file',
        description: 'also write each rejected row as JSON Lines {line, field, reason} to this file',
      },
      progress: { type: 'boolean', description: 'report progress on stderr (default: when stderr is a terminal)' },
      'max-line-bytes': {
        type: 'string',
        value: 'n',
        description: 'longest line (CSV: record) accepted, in bytes (default 65536)',
      },
      json: { type: 'boolean', description: 'print the summary as JSON' },
    },
    positionals: { min: 1, max: 1, names: '<file>' },
    examples: [
      'devauth import-users users.jsonl --rejects rejected.jsonl',
      'devauth import-users legacy.csv --on-existing update',
    ],
    load: () => import('./commands/import-users.js'),
  },
  {
    name: 'export-users',
    summary: 'export users in the import format',
    usage: ['export-users [--format jsonl|csv] [--include-hashes] [--output <file>]'],
    description:
      'Writes every user in the format import-users reads (so an export imports back), to standard output or ' +
      '--output. Password hashes are left out unless --include-hashes is given: a file with hashes is as ' +
      'sensitive as the database (the output file is then created readable by its owner only).',
    options: {
      format: { type: 'string', value: 'format', description: 'jsonl (default) or csv; --output implies it' },
      'include-hashes': { type: 'boolean', description: 'include each password hash' },
      output: { type: 'string', short: 'o', value: 'file', description: 'write to this file (replaced if it exists)' },
      progress: { type: 'boolean', description: 'report progress on stderr (default: when stderr is a terminal)' },
    },
    positionals: { min: 0, max: 0, names: '' },
    load: () => import('./commands/export-users.js'),
  },
];

export function findCommand(name: string): CommandDefinition | undefined {
  return COMMANDS.find((command) => command.name === name);
}
