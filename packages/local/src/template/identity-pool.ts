import type { PolicyDocument, PolicyStatement } from '@devauth/access';
import { TemplateError } from './errors.js';
import { type LocalValues, resolveIntrinsics } from './intrinsics.js';
import {
  type CfnResource,
  onlyResource,
  referencedId,
  resourcesOfType,
  type SynthesizedStack,
} from './read-template.js';

export interface TemplateIdentityPool {
  readonly logicalId: string;
  readonly developerProviderName?: string;
  readonly allowGuests: boolean;
  /** The basic (classic) flow, which the emulator does not offer (the runner warns). */
  readonly allowClassicFlow: boolean;
  /** The role each kind of identity receives (`IdentityPoolRoleAttachment`), by logical id. */
  readonly roles: { readonly authenticated?: string; readonly unauthenticated?: string };
}

const ROLE = 'AWS::IAM::Role';

/** The stack's identity pool (exactly one) and the roles attached to it. */
export function readIdentityPool(stack: SynthesizedStack): TemplateIdentityPool {
  const [logicalId, pool] = onlyResource(stack, ['AWS::Cognito::IdentityPool'], 'Cognito identity pool');
  const props = pool.Properties ?? {};
  const attachments = resourcesOfType(stack, 'AWS::Cognito::IdentityPoolRoleAttachment').filter(
    ([, attachment]) => referencedId(attachment.Properties?.IdentityPoolId, new Set([logicalId])) === logicalId,
  );
  if (attachments.length > 1) throw new TemplateError(`${logicalId}: more than one role attachment`);
  const attachment = attachments[0]?.[1].Properties ?? {};
  if (attachment.RoleMappings !== undefined) {
    throw new TemplateError(`${attachments[0]![0]}: RoleMappings (rules or token roles) are not emulated`);
  }
  const roleIds = new Set(resourcesOfType(stack, ROLE).map(([id]) => id));
  const roles = (attachment.Roles ?? {}) as Record<string, unknown>;
  const roleOf = (kind: string) => {
    if (roles[kind] === undefined) return undefined;
    const id = referencedId(roles[kind], roleIds);
    if (!id) throw new TemplateError(`${attachments[0]![0]}: the ${kind} role is not an IAM role of this stack`);
    return id;
  };
  const authenticated = roleOf('authenticated');
  const unauthenticated = roleOf('unauthenticated');
  return {
    logicalId,
    ...(typeof props.DeveloperProviderName === 'string' ? { developerProviderName: props.DeveloperProviderName } : {}),
    allowGuests: props.AllowUnauthenticatedIdentities === true,
    allowClassicFlow: props.AllowClassicFlow === true,
    roles: {
      ...(authenticated ? { authenticated } : {}),
      ...(unauthenticated ? { unauthenticated } : {}),
    },
  };
}

/**
 * A role's permissions as IAM sees them: its inline policies, the `AWS::IAM::Policy` and `AWS::IAM::ManagedPolicy`
 * resources attached to it, and its managed policies of this stack, merged into one document (IAM allows what any of
 * them allows, and any Deny wins, which one document with all statements says too). A managed policy from outside
 * the stack (an ARN) cannot be read offline: a TemplateError rather than a silently narrower role.
 */
export function rolePermissions(stack: SynthesizedStack, roleId: string, values: LocalValues): PolicyDocument {
  const role = stack.resources[roleId]?.Properties ?? {};
  const documents: unknown[] = [];
  for (const policy of (role.Policies ?? []) as Array<{ PolicyDocument?: unknown }>)
    documents.push(policy.PolicyDocument);
  const attachedTo = (resource: CfnResource) =>
    ((resource.Properties?.Roles ?? []) as unknown[]).some((ref) => referencedId(ref, new Set([roleId])) === roleId);
  for (const type of ['AWS::IAM::Policy', 'AWS::IAM::ManagedPolicy']) {
    for (const [, policy] of resourcesOfType(stack, type)) {
      if (attachedTo(policy)) documents.push(policy.Properties?.PolicyDocument);
    }
  }
  const managedIds = new Set(resourcesOfType(stack, 'AWS::IAM::ManagedPolicy').map(([id]) => id));
  for (const arn of (role.ManagedPolicyArns ?? []) as unknown[]) {
    const id = referencedId(arn, managedIds);
    if (!id) {
      throw new TemplateError(
        `${roleId}: managed policy ${JSON.stringify(arn)} is not in this stack, so its permissions cannot be read offline`,
      );
    }
    const managed = stack.resources[id]!;
    if (!attachedTo(managed)) documents.push(managed.Properties?.PolicyDocument);
  }
  const statements = documents.flatMap((document, index) => {
    const resolved = resolveIntrinsics(document, values, `${roleId} policy ${index + 1}`) as PolicyDocument;
    if (resolved?.Version !== '2012-10-17') {
      throw new TemplateError(`${roleId}: a policy without Version 2012-10-17 (IAM would read it differently)`);
    }
    return Array.isArray(resolved.Statement) ? resolved.Statement : [resolved.Statement as PolicyStatement];
  });
  return { Version: '2012-10-17', Statement: statements };
}

/**
 * Whether the role's trust policy lets this pool's identities of that kind assume it with web identity federation,
 * as the enhanced flow does (`Federated: cognito-identity.amazonaws.com`, `aud` = the pool, `amr` naming the kind),
 * and, for the authenticated role, tag the session (principal tags need `sts:TagSession`). Returns the problems.
 */
export function trustProblems(
  stack: SynthesizedStack,
  roleId: string,
  kind: 'authenticated' | 'unauthenticated',
  identityPoolId: string,
  values: LocalValues,
): string[] {
  const trust = resolveIntrinsics(
    stack.resources[roleId]?.Properties?.AssumeRolePolicyDocument,
    values,
    `${roleId} trust policy`,
  ) as PolicyDocument | undefined;
  const statements = (trust?.Statement ?? []).filter((statement) => {
    if (statement.Effect !== 'Allow') return false;
    const principal = (statement.Principal ?? {}) as { Federated?: unknown };
    const federated = [principal.Federated].flat();
    return federated.includes('cognito-identity.amazonaws.com');
  });
  const assumes = statements.filter((statement) => list(statement.Action).includes('sts:AssumeRoleWithWebIdentity'));
  const admitted = assumes.filter((statement) => {
    const condition = statement.Condition ?? {};
    const aud = list(condition.StringEquals?.['cognito-identity.amazonaws.com:aud']);
    const amr = [
      ...list(condition['ForAnyValue:StringLike']?.['cognito-identity.amazonaws.com:amr']),
      ...list(condition['ForAnyValue:StringEquals']?.['cognito-identity.amazonaws.com:amr']),
    ];
    return aud.includes(identityPoolId) && (amr.length === 0 || amr.includes(kind));
  });
  const problems: string[] = [];
  if (admitted.length === 0) {
    problems.push(`${roleId}: its trust policy does not admit ${kind} identities of this pool (aud/amr conditions)`);
  } else if (kind === 'authenticated' && !admitted.some((s) => list(s.Action).includes('sts:TagSession'))) {
    problems.push(`${roleId}: its trust policy lacks sts:TagSession, so Cognito cannot pass the role principal tag`);
  }
  return problems;
}

const list = (value: unknown): string[] => (value === undefined ? [] : [value].flat().map(String));
