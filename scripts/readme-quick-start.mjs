#!/usr/bin/env node
// What the README's quick start promises, in a form CI and the tests can run, shared by .ci/run and
// tests/quick-start.test.ts so both check the same thing:
// - the quick-start commands, verbatim from README.md (the ```sh block under "## Quick start", one command a line,
//   `# ...` comments dropped);
// - a PATH without pnpm: a machine with Node.js and npm only (the system tools kept, pnpm and pnpx left out).
//
//   node scripts/readme-quick-start.mjs command <demo|test>          prints the README's command that runs that script
//   node scripts/readme-quick-start.mjs pnpm-free-path <node> <dir>  builds the PATH under <dir> (an empty or new
//                                                                   directory) with <node> first, and prints it
import { existsSync, mkdirSync, readdirSync, readFileSync, realpathSync, statSync, symlinkSync } from 'node:fs';
import { delimiter, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** The commands of the README's quick start, in order, each with the npm script it runs (undefined if none). */
export function quickStartCommands(readme = readFileSync(join(root, 'README.md'), 'utf8')) {
  const section = /^## Quick start\s*$([\s\S]*?)(?=^## |(?![\s\S]))/m.exec(readme)?.[1];
  if (section === undefined) throw new Error('README.md has no "## Quick start" section');
  const block = /^```(?:sh|bash|shell)\s*$([\s\S]*?)^```\s*$/m.exec(section)?.[1];
  if (block === undefined) throw new Error('the Quick start section of README.md has no sh code block');
  return block
    .split('\n')
    .map((line) => line.replace(/(^|\s)#.*$/, '').trim())
    .filter((line) => line !== '')
    .map((command) => ({ command, script: npmScript(command) }));
}

/** The package.json script an npm command line runs: `npm test` -> test, `npm run demo -- --x` -> demo. */
export function npmScript(command) {
  const [tool, verb, arg] = command.split(/\s+/);
  if (tool !== 'npm') return undefined;
  if (['test', 't', 'start', 'stop', 'restart'].includes(verb)) return verb === 't' ? 'test' : verb;
  if (['run', 'run-script', 'rum', 'urn'].includes(verb)) return arg;
  return undefined;
}

/** The README's quick-start command that runs the npm script `script` (throws unless exactly one does). */
export function quickStartCommand(script, readme) {
  const matching = quickStartCommands(readme).filter((entry) => entry.script === script);
  if (matching.length !== 1) {
    throw new Error(`README.md's quick start has ${matching.length} commands running the ${script} script`);
  }
  return matching[0].command;
}

const PNPM = /^(pnpm|pnpx)(\.(cjs|cmd|ps1|exe))?$/i;
const INJECTED = /node_modules[\\/]\.bin[\\/]?$|node-gyp-bin[\\/]?$|[\\/]_npx[\\/]/;

/**
 * A PATH with `node` (the given binary) first and no pnpm: each directory of `path` that holds a pnpm or pnpx is
 * replaced, in place, by a directory of symlinks to everything else in it; the directories package managers add for
 * their scripts (node_modules/.bin, node-gyp-bin, npx's cache) are dropped; the others stay as they are. npm and npx
 * (scripts run with `#!/usr/bin/env node`) then run on the given node. Throws if the result still finds pnpm, or
 * finds no npm or npx.
 */
export function pnpmFreePath(node, dir, path = process.env.PATH ?? '') {
  mkdirSync(dir, { recursive: true });
  const nodeDir = join(dir, 'node');
  mkdirSync(nodeDir);
  symlinkSync(realpathSync(node), join(nodeDir, 'node'));
  const entries = [nodeDir];
  const seen = new Set();
  for (const entry of path.split(delimiter)) {
    // What a package manager put there for its scripts (this may run inside `pnpm test`) is no part of the machine.
    if (entry === '' || INJECTED.test(entry) || !isDirectory(entry) || seen.has(realpathSync(entry))) continue;
    seen.add(realpathSync(entry));
    const names = readdirSync(entry);
    if (!names.some((name) => PNPM.test(name))) {
      entries.push(entry);
      continue;
    }
    const mirror = join(dir, `mirror-${entries.length}`);
    mkdirSync(mirror);
    for (const name of names) if (!PNPM.test(name)) symlinkSync(join(resolve(entry), name), join(mirror, name));
    entries.push(mirror);
  }
  const found = (name) => entries.some((entry) => existsSync(join(entry, name)));
  if (found('pnpm') || found('pnpx')) throw new Error('pnpm is still on the pnpm-free PATH');
  for (const tool of ['npm', 'npx']) if (!found(tool)) throw new Error(`no ${tool} on PATH (${path})`);
  return entries.join(delimiter);
}

function isDirectory(path) {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

if (process.argv[1] && realpathSync(resolve(process.argv[1])) === realpathSync(fileURLToPath(import.meta.url))) {
  const [command, ...args] = process.argv.slice(2);
  if (command === 'command' && args.length === 1) {
    console.log(quickStartCommand(args[0]));
  } else if (command === 'pnpm-free-path' && args.length === 2) {
    console.log(pnpmFreePath(args[0], args[1]));
  } else {
    console.error('usage: readme-quick-start.mjs command <script> | pnpm-free-path <node> <dir>');
    process.exit(2);
  }
}
