import { TemplateError } from './errors.js';

/** What `Ref` and `Fn::GetAtt` stand for locally, per logical id (and the pseudo parameters). */
export interface LocalValues {
  ref(logicalId: string): string | undefined;
  getAtt(logicalId: string, attribute: string): string | undefined;
}

const PSEUDO = ['AWS::Region', 'AWS::AccountId', 'AWS::Partition', 'AWS::URLSuffix', 'AWS::StackName'] as const;
export type PseudoParameter = (typeof PSEUDO)[number];

/**
 * Resolves the intrinsic functions a synthesized CDK template uses in values the runner needs (environment
 * variables, policy resources, integration URIs): `Ref`, `Fn::GetAtt`, `Fn::Join`, `Fn::Sub`, `Fn::Select`,
 * `Fn::Split`. Anything else, or a reference to a resource with no local value, is a TemplateError naming `where`:
 * a value silently left unresolved would only fail later, far from its cause.
 */
export function resolveIntrinsics(value: unknown, values: LocalValues, where: string): unknown {
  if (Array.isArray(value)) return value.map((item) => resolveIntrinsics(item, values, where));
  if (value === null || typeof value !== 'object') return value;
  const entries = Object.entries(value);
  const [key, argument] = entries[0] ?? [];
  if (entries.length === 1 && key !== undefined && (key === 'Ref' || key.startsWith('Fn::'))) {
    return resolveFunction(key, argument, values, where);
  }
  return Object.fromEntries(entries.map(([name, item]) => [name, resolveIntrinsics(item, values, where)]));
}

/** `resolveIntrinsics` for a value that must come out a string. */
export function resolveString(value: unknown, values: LocalValues, where: string): string {
  const resolved = resolveIntrinsics(value, values, where);
  if (typeof resolved === 'string') return resolved;
  if (typeof resolved === 'number' || typeof resolved === 'boolean') return String(resolved);
  throw new TemplateError(`${where}: expected a string, got ${JSON.stringify(resolved)}`);
}

function resolveFunction(name: string, argument: unknown, values: LocalValues, where: string): unknown {
  switch (name) {
    case 'Ref':
      return lookup(values.ref(String(argument)), `Ref ${String(argument)}`, where);
    case 'Fn::GetAtt': {
      const [logicalId, attribute] = getAttParts(argument, where);
      return lookup(values.getAtt(logicalId, attribute), `Fn::GetAtt ${logicalId}.${attribute}`, where);
    }
    case 'Fn::Join': {
      const [separator, list] = pair(argument, name, where);
      const items = resolveIntrinsics(list, values, where);
      if (typeof separator !== 'string' || !Array.isArray(items)) throw malformed(name, where);
      return items.map((item) => resolveString(item, values, where)).join(separator);
    }
    case 'Fn::Sub':
      return substitute(argument, values, where);
    case 'Fn::Select': {
      const [index, list] = pair(argument, name, where);
      const items = resolveIntrinsics(list, values, where);
      const position = Number(resolveIntrinsics(index, values, where));
      if (!Array.isArray(items) || !Number.isInteger(position) || position < 0 || position >= items.length) {
        throw malformed(name, where);
      }
      return items[position];
    }
    case 'Fn::Split': {
      const [separator, source] = pair(argument, name, where);
      if (typeof separator !== 'string') throw malformed(name, where);
      return resolveString(source, values, where).split(separator);
    }
    default:
      throw new TemplateError(`${where}: ${name} is not supported offline`);
  }
}

function getAttParts(argument: unknown, where: string): [string, string] {
  if (typeof argument === 'string') {
    const dot = argument.indexOf('.');
    if (dot > 0) return [argument.slice(0, dot), argument.slice(dot + 1)];
  }
  if (Array.isArray(argument) && typeof argument[0] === 'string' && typeof argument[1] === 'string') {
    return [argument[0], argument[1]];
  }
  throw malformed('Fn::GetAtt', where);
}

/** `Fn::Sub`: `${Name}`, `${Resource.Attribute}` and `${!Literal}`, with an optional variable map. */
function substitute(argument: unknown, values: LocalValues, where: string): string {
  const [text, variables] = typeof argument === 'string' ? [argument, {}] : pair(argument, 'Fn::Sub', where);
  if (typeof text !== 'string' || variables === null || typeof variables !== 'object') {
    throw malformed('Fn::Sub', where);
  }
  return text.replace(/\$\{([^}]*)\}/g, (whole, name: string) => {
    if (name.startsWith('!')) return `\${${name.slice(1)}}`;
    if (Object.hasOwn(variables, name)) {
      return resolveString((variables as Record<string, unknown>)[name], values, where);
    }
    const dot = name.indexOf('.');
    const resolved =
      dot > 0 && !name.startsWith('AWS::') ? values.getAtt(name.slice(0, dot), name.slice(dot + 1)) : values.ref(name);
    return lookup(resolved, `Fn::Sub ${whole}`, where);
  });
}

function pair(argument: unknown, name: string, where: string): [unknown, unknown] {
  if (!Array.isArray(argument) || argument.length !== 2) throw malformed(name, where);
  return [argument[0], argument[1]];
}

function lookup<T>(value: T | undefined, what: string, where: string): T {
  if (value === undefined) {
    throw new TemplateError(`${where}: ${what} names nothing that runs offline (no such resource, or not emulated)`);
  }
  return value;
}

const malformed = (name: string, where: string) => new TemplateError(`${where}: malformed ${name}`);

export const isPseudoParameter = (name: string): name is PseudoParameter =>
  (PSEUDO as readonly string[]).includes(name);
