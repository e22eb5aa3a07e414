import { invalidParameter, serializationError } from './errors.js';

/**
 * Request validation with the API model's constraints. Constraint violations are collected and reported the way the
 * service does ("N validation errors detected: Value '...' at 'member' failed to satisfy constraint: ..."), except
 * that values of sensitive members (Logins, tokens) are never echoed. A value of the wrong JSON type is a
 * SerializationException, as with any AWS JSON service.
 */
export type JsonObject = Record<string, unknown>;

export const IDENTITY_POOL_ID_PATTERN = /^[\w-]+:[0-9a-f-]+$/;
export const IDENTITY_ID_PATTERN = /^[\w-]+:[0-9a-f-]+$/;
export const DEVELOPER_PROVIDER_NAME_PATTERN = /^[\w._-]+$/;
export const IDENTITY_POOL_NAME_PATTERN = /^[\w\s+=,.@-]+$/;
export const ACCOUNT_ID_PATTERN = /^\d+$/;

interface Common {
  readonly required?: boolean;
  /** Never echo the value in an error message. */
  readonly sensitive?: boolean;
}

interface StringRule extends Common {
  readonly min?: number;
  readonly max?: number;
  readonly pattern?: RegExp;
}

interface IntegerRule extends Common {
  readonly min?: number;
  readonly max?: number;
}

interface MapRule extends Common {
  readonly maxEntries?: number;
  readonly key?: StringRule;
  readonly value?: StringRule;
}

interface ListRule extends Common {
  readonly minItems?: number;
  readonly maxItems?: number;
  readonly item?: StringRule;
}

/** Member names appear in messages in the service's lowerCamelCase form: `IdentityPoolId` -> `identityPoolId`. */
const memberName = (name: string): string => name.charAt(0).toLowerCase() + name.slice(1);

const patternSource = (pattern: RegExp): string => pattern.source.replace(/^\^/, '').replace(/\$$/, '');

export class RequestReader {
  private readonly issues: string[] = [];

  constructor(private readonly body: JsonObject) {}

  string(name: string, rule: StringRule = {}): string | undefined {
    const value = this.read(name, 'string', rule);
    if (typeof value !== 'string') return undefined;
    return this.checkString(value, memberName(name), rule) ? value : undefined;
  }

  integer(name: string, rule: IntegerRule = {}): number | undefined {
    const value = this.read(name, 'number', rule);
    if (typeof value !== 'number') return undefined;
    if (!Number.isInteger(value)) {
      throw serializationError(`Value for '${memberName(name)}' must be an integer.`);
    }
    if (rule.min !== undefined && value < rule.min) {
      this.issue(name, value, rule, `Member must have value greater than or equal to ${rule.min}`);
      return undefined;
    }
    if (rule.max !== undefined && value > rule.max) {
      this.issue(name, value, rule, `Member must have value less than or equal to ${rule.max}`);
      return undefined;
    }
    return value;
  }

  boolean(name: string, rule: Common = {}): boolean | undefined {
    const value = this.read(name, 'boolean', rule);
    return typeof value === 'boolean' ? value : undefined;
  }

  stringMap(name: string, rule: MapRule = {}): Record<string, string> | undefined {
    const value = this.read(name, 'object', rule);
    if (value === undefined) return undefined;
    if (value === null || Array.isArray(value)) {
      throw serializationError(`Value for '${memberName(name)}' must be a map.`);
    }
    const entries = Object.entries(value as JsonObject);
    let valid = true;
    if (rule.maxEntries !== undefined && entries.length > rule.maxEntries) {
      this.issue(name, undefined, rule, `Member must have length less than or equal to ${rule.maxEntries}`);
      valid = false;
    }
    for (const [key, entryValue] of entries) {
      if (typeof entryValue !== 'string') {
        throw serializationError(`Values of '${memberName(name)}' must be strings.`);
      }
      const where = `${memberName(name)}`;
      if (rule.key && !this.checkString(key, `${where}.key`, { ...rule.key, sensitive: rule.sensitive })) valid = false;
      if (rule.value && !this.checkString(entryValue, `${where}.${key}.value`, { ...rule.value, sensitive: true })) {
        valid = false;
      }
    }
    return valid ? Object.fromEntries(entries as [string, string][]) : undefined;
  }

  stringList(name: string, rule: ListRule = {}): string[] | undefined {
    const value = this.read(name, 'object', rule);
    if (value === undefined) return undefined;
    if (!Array.isArray(value) || value.some((item) => typeof item !== 'string')) {
      throw serializationError(`Value for '${memberName(name)}' must be a list of strings.`);
    }
    const items = value as string[];
    if (rule.minItems !== undefined && items.length < rule.minItems) {
      this.issue(name, undefined, rule, `Member must have length greater than or equal to ${rule.minItems}`);
      return undefined;
    }
    if (rule.maxItems !== undefined && items.length > rule.maxItems) {
      this.issue(name, undefined, rule, `Member must have length less than or equal to ${rule.maxItems}`);
      return undefined;
    }
    let valid = true;
    for (const item of items) {
      if (rule.item && !this.checkString(item, `${memberName(name)}.member`, rule.item)) valid = false;
    }
    return valid ? items : undefined;
  }

  /** Throws the collected constraint violations as one InvalidParameterException. */
  done(): void {
    if (this.issues.length === 0) return;
    const count = this.issues.length;
    throw invalidParameter(`${count} validation error${count === 1 ? '' : 's'} detected: ${this.issues.join('; ')}`);
  }

  private read(name: string, type: 'string' | 'number' | 'boolean' | 'object', rule: Common): unknown {
    const value = this.body[name];
    if (value === undefined || value === null) {
      if (rule.required)
        this.issues.push(`Value null at '${memberName(name)}' failed to satisfy constraint: Member must not be null`);
      return undefined;
    }
    if (typeof value !== type) {
      throw serializationError(`Value for '${memberName(name)}' has the wrong type; expected ${type}.`);
    }
    return value;
  }

  private checkString(value: string, where: string, rule: StringRule): boolean {
    const min = rule.min ?? 0;
    if (value.length < min) {
      this.issueAt(where, value, rule, `Member must have length greater than or equal to ${min}`);
      return false;
    }
    if (rule.max !== undefined && value.length > rule.max) {
      this.issueAt(where, value, rule, `Member must have length less than or equal to ${rule.max}`);
      return false;
    }
    if (rule.pattern && !rule.pattern.test(value)) {
      this.issueAt(
        where,
        value,
        rule,
        `Member must satisfy regular expression pattern: ${patternSource(rule.pattern)}`,
      );
      return false;
    }
    return true;
  }

  private issue(name: string, value: unknown, rule: Common, constraint: string): void {
    this.issueAt(memberName(name), value, rule, constraint);
  }

  private issueAt(where: string, value: unknown, rule: Common, constraint: string): void {
    const shown = rule.sensitive || value === undefined ? '' : ` '${String(value)}'`;
    this.issues.push(`Value${shown} at '${where}' failed to satisfy constraint: ${constraint}`);
  }
}

/** Parses a request body; anything but a JSON object is a SerializationException. */
export function parseJsonObject(raw: string): JsonObject {
  if (raw.trim() === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw serializationError('The request body is not valid JSON.');
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw serializationError('The request body must be a JSON object.');
  }
  return parsed as JsonObject;
}
