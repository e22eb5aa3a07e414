import type { PolicyDocument, PolicyStatement } from './iam-policies.js';

export interface PolicyRequest {
  action: string;
  resource: string;
  principalTags?: Record<string, string>;
}

const PRINCIPAL_TAG = 'aws:PrincipalTag/';

/**
 * A minimal IAM evaluator for the identity policies this module generates, used to prove that IAM, the guard and
 * the table agree. Semantics: an explicit Deny wins, else any matching Allow, else implicit deny (IAM policy
 * evaluation logic, https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html).
 * - Action (case-insensitive) and Resource (case-sensitive) support `*` (any run, `/` included) and `?` (one
 *   character). NotAction / NotResource apply to every action / resource they do not match.
 * - Conditions: StringEquals and StringLike on `aws:PrincipalTag/<key>`; values in one key are ORed, keys and
 *   operators are ANDed; a missing tag makes the condition false.
 * - Anything it does not understand fails closed: another operator or condition key, a statement with neither or
 *   both of Action/NotAction or Resource/NotResource (IAM would refuse the policy) make an Allow statement not
 *   match and a Deny statement match; a wrong Version denies everything.
 */
export function evaluatePolicy(policy: PolicyDocument, request: PolicyRequest): boolean {
  if (policy?.Version !== '2012-10-17' || !Array.isArray(policy.Statement)) return false;
  let allowed = false;
  for (const statement of policy.Statement) {
    const effect = statement?.Effect;
    if (effect !== 'Allow' && effect !== 'Deny') continue;
    const applies = appliesTo(statement, request);
    if (applies === false) continue;
    const condition =
      applies === 'unknown' ? 'unknown' : conditionResult(statement.Condition, request.principalTags ?? {});
    const matches = condition === 'unknown' ? effect === 'Deny' : condition;
    if (!matches) continue;
    if (effect === 'Deny') return false;
    allowed = true;
  }
  return allowed;
}

function appliesTo(statement: PolicyStatement, request: PolicyRequest): boolean | 'unknown' {
  const action = elementMatches(statement.Action, statement.NotAction, (a) =>
    globMatch(a.toLowerCase(), request.action.toLowerCase()),
  );
  const resource = elementMatches(statement.Resource, statement.NotResource, (r) => globMatch(r, request.resource));
  if (action === false || resource === false) return false;
  return action === 'unknown' || resource === 'unknown' ? 'unknown' : true;
}

/** `Element` matches if one of its patterns does; `NotElement` if none does; exactly one of the two must be given. */
function elementMatches(
  element: string | string[] | undefined,
  notElement: string | string[] | undefined,
  match: (pattern: string) => boolean,
): boolean | 'unknown' {
  if ((element === undefined) === (notElement === undefined)) return 'unknown';
  return element !== undefined ? toList(element).some(match) : !toList(notElement).some(match);
}

function conditionResult(condition: PolicyStatement['Condition'], tags: Record<string, string>): boolean | 'unknown' {
  if (condition === undefined) return true;
  let result = true;
  for (const [operator, entries] of Object.entries(condition)) {
    if (operator !== 'StringEquals' && operator !== 'StringLike') return 'unknown';
    for (const [key, expected] of Object.entries(entries)) {
      if (!key.startsWith(PRINCIPAL_TAG)) return 'unknown';
      const tagKey = key.slice(PRINCIPAL_TAG.length);
      const actual = Object.hasOwn(tags, tagKey) ? tags[tagKey] : undefined;
      if (typeof actual !== 'string') {
        result = false;
        continue;
      }
      const values = toList(expected);
      const ok = values.some((v) => (operator === 'StringEquals' ? v === actual : globMatch(v, actual)));
      if (!ok) result = false;
    }
  }
  return result;
}

function toList(value: string | string[] | undefined): string[] {
  if (value === undefined) return [];
  return (Array.isArray(value) ? value : [value]).filter((v): v is string => typeof v === 'string');
}

/**
 * IAM-style wildcard match: `*` is any run of characters (including `/` and none), `?` exactly one. Greedy
 * backtracking over a single star position keeps it linear-ish and free of regex construction from input.
 */
export function globMatch(pattern: string, value: string): boolean {
  let p = 0;
  let v = 0;
  let star = -1;
  let mark = 0;
  while (v < value.length) {
    if (p < pattern.length && pattern[p] === '*') {
      star = p++;
      mark = v;
    } else if (p < pattern.length && (pattern[p] === '?' || pattern[p] === value[v])) {
      p++;
      v++;
    } else if (star !== -1) {
      p = star + 1;
      v = ++mark;
    } else {
      return false;
    }
  }
  while (p < pattern.length && pattern[p] === '*') p++;
  return p === pattern.length;
}
