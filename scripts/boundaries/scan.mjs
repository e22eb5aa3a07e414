// Finds the module specifiers a source file imports without a compiler API. A small lexer first blanks out
// comments and the contents of string, template and regex literals (keeping every offset), so the import patterns
// below only ever match real code: a test that writes "import x from 'pg'" as a fixture string is not an import.
// The specifier itself is a string literal too, so it is read back from the original source at the same offset.

/** After these words a `/` starts a regex literal; after any other word or a `)`/`]`/`}` it divides. */
const REGEX_AFTER_WORDS = new Set(
  'return typeof instanceof in of new delete void throw case do else yield await'.split(' '),
);

function regexMayStartAfter(previous) {
  if (previous === '' || REGEX_AFTER_WORDS.has(previous)) return true;
  return !/^[\w$]/.test(previous) && !')]}'.includes(previous) && previous !== 'literal';
}

/** Index just past the string literal opening at `start` (an unterminated one ends at the line break). */
function stringEnd(source, start) {
  for (let i = start + 1; i < source.length; i++) {
    if (source[i] === '\\') i++;
    else if (source[i] === source[start]) return i + 1;
    else if (source[i] === '\n') return i;
  }
  return source.length;
}

/** Index where the `//` or `/*` comment opening at `start` ends (a line comment keeps its line break). */
function commentEnd(source, start) {
  const line = source[start + 1] === '/';
  const end = line ? source.indexOf('\n', start) : source.indexOf('*/', start + 2);
  if (end === -1) return source.length;
  return line ? end : end + 2;
}

/** Index just past the regex literal opening at `start`, or -1 when the line holds no end (so it was a division). */
function regexEnd(source, start) {
  let inClass = false;
  for (let i = start + 1; i < source.length && source[i] !== '\n'; i++) {
    const c = source[i];
    if (c === '\\') i++;
    else if (c === '[') inClass = true;
    else if (c === ']') inClass = false;
    else if (c === '/' && !inClass) return i + 1;
  }
  return -1;
}

/**
 * The source with comments and literal contents replaced by spaces (line breaks kept). Quotes stay, so an import's
 * `from '…'` keeps its shape; `${…}` inside a template is code again and is scanned like any other code.
 */
export function maskSource(source) {
  const chars = source.split('');
  const blank = (from, to) => {
    for (let k = from; k < to; k++) if (chars[k] !== '\n') chars[k] = ' ';
  };
  const braces = []; // 'code' for `{`, 'template' for `${`: a `}` closing the latter resumes the template text
  let previous = ''; // last significant token, to tell a regex literal from a division
  let i = 0;
  if (source.startsWith('#!')) i = source.includes('\n') ? source.indexOf('\n') : source.length; // not code
  // Template text from `from` up to its closing backtick or next `${`; returns where code resumes.
  const templateText = (from) => {
    let k = from;
    while (k < source.length && source[k] !== '`' && !(source[k] === '$' && source[k + 1] === '{')) {
      k += source[k] === '\\' ? 2 : 1;
    }
    blank(from, k);
    if (source[k] === '`') {
      previous = 'literal';
      return k + 1;
    }
    braces.push('template');
    previous = '{';
    return k + 2;
  };
  while (i < source.length) {
    const c = source[i];
    const next = source[i + 1];
    if (c === '/' && (next === '/' || next === '*')) {
      const end = commentEnd(source, i);
      blank(i, end);
      i = end;
    } else if (c === '"' || c === "'") {
      const end = stringEnd(source, i);
      blank(i + 1, end - 1);
      previous = 'literal';
      i = end;
    } else if (c === '`') {
      i = templateText(i + 1);
    } else if (c === '}' && braces.at(-1) === 'template') {
      braces.pop();
      i = templateText(i + 1);
    } else if (c === '/' && regexMayStartAfter(previous) && regexEnd(source, i) !== -1) {
      const end = regexEnd(source, i); // -1 above: no closing slash on the line, so it divides after all
      blank(i + 1, end - 1);
      previous = 'literal';
      i = end;
    } else if (/[\w$]/.test(c)) {
      const word = /^[\w$]+/.exec(source.slice(i, i + 64))[0];
      previous = word;
      i += word.length;
    } else {
      if (c === '{') braces.push('code');
      else if (c === '}') braces.pop();
      if (!/\s/.test(c)) previous = c;
      i++;
    }
  }
  return chars.join('');
}

const NOT_AFTER = String.raw`(?<![\w$.])`; // `foo.import(` or `myrequire(` is not an import
const SPECIFIER = String.raw`(?<quote>['"])(?<specifier>[^'"\n]*)\k<quote>`;
const PATTERNS = [
  {
    kind: 'import',
    pattern: new RegExp(
      String.raw`${NOT_AFTER}import\s+(?<type>type\s+)?(?:(?<clause>[\w*$\s,{}]+?)\s+from\s+)?${SPECIFIER}`,
      'dg',
    ),
  },
  {
    kind: 'export',
    pattern: new RegExp(
      String.raw`${NOT_AFTER}export\s+(?<type>type\s+)?(?<clause>\*(?:\s+as\s+[\w$]+)?|\{[^}]*\})\s+from\s+${SPECIFIER}`,
      'dg',
    ),
  },
  { kind: 'dynamic', pattern: new RegExp(String.raw`${NOT_AFTER}import\s*\(\s*${SPECIFIER}`, 'dg') },
  { kind: 'require', pattern: new RegExp(String.raw`${NOT_AFTER}require\s*\(\s*${SPECIFIER}\s*\)`, 'dg') },
];

/** `{ type A, type B as C }`: every named binding is a type, so TypeScript erases the whole statement. */
function onlyTypeBindings(clause) {
  const named = /^\{([^}]*)\}$/.exec(clause?.trim() ?? '');
  const bindings =
    named?.[1]
      .split(',')
      .map((binding) => binding.trim())
      .filter(Boolean) ?? [];
  return bindings.length > 0 && bindings.every((binding) => /^type\s/.test(binding));
}

function isTypeOnly(kind, match, masked) {
  if (kind === 'require') return false;
  // `typeof import('x')` names a module's type and loads nothing.
  if (kind === 'dynamic') return /\btypeof\s*$/.test(masked.slice(Math.max(0, match.index - 32), match.index));
  return Boolean(match.groups.type) || onlyTypeBindings(match.groups.clause);
}

/**
 * Every import of a source file, in source order: `{ specifier, kind, typeOnly, line }`, kind being `import`,
 * `export` (re-export), `dynamic` or `require`. Only code counts: comments and string contents are masked first.
 */
export function importRecords(source) {
  const masked = maskSource(source);
  const records = [];
  for (const { kind, pattern } of PATTERNS) {
    for (const match of masked.matchAll(pattern)) {
      const [from, to] = match.indices.groups.specifier;
      const line = masked.slice(0, match.index).split('\n').length;
      records.push({
        specifier: source.slice(from, to),
        kind,
        typeOnly: isTypeOnly(kind, match, masked),
        line,
        at: from,
      });
    }
  }
  return records.sort((a, b) => a.at - b.at).map(({ at, ...record }) => record);
}

/** Every module specifier a source file imports, re-exports, dynamically imports or requires. */
export function importsOf(source) {
  return [...new Set(importRecords(source).map((record) => record.specifier))];
}
