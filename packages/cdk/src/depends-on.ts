import { CfnResource, Lazy } from 'aws-cdk-lib';
import type * as lambda from 'aws-cdk-lib/aws-lambda';

/**
 * Drops the function's `DependsOn` entry for its execution role, keeping every other one (its role's default policy
 * above all: the function must not be created before the policy it runs with).
 *
 * Why: `lambda.Function` makes the function depend on its whole role construct, so the template lists the role in
 * `DependsOn` although the `Role` property's `Fn::GetAtt` already orders the two; cfn-lint reports that as W3005. The
 * list is computed when the template is written (CDK resolves construct dependencies only then), so dependencies
 * added later, by anyone, are kept.
 */
export function omitImpliedRoleDependency(fn: lambda.Function): void {
  const cfnFunction = fn.node.defaultChild as CfnResource;
  const cfnRole = fn.role?.node.defaultChild;
  cfnFunction.addOverride(
    'DependsOn',
    Lazy.list(
      {
        produce: () =>
          cfnFunction
            .obtainDependencies()
            .filter((dependency): dependency is CfnResource => CfnResource.isCfnResource(dependency))
            .filter((dependency) => dependency !== cfnRole)
            .sort((a, b) => a.node.path.localeCompare(b.node.path))
            .map((dependency) => dependency.logicalId),
      },
      { omitEmpty: true },
    ),
  );
}
