import { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { IConstruct } from 'constructs';

/**
 * What Lambda needs in a function's execution role to attach the function to a VPC: it creates, describes and
 * deletes the function's network interfaces with the role's permissions (the list of AWS's managed policy
 * AWSLambdaVPCAccessExecutionRole, without its `logs:*` on `*`, which the log group grant already covers).
 * https://docs.aws.amazon.com/lambda/latest/dg/configuration-vpc.html#configuration-vpc-permissions
 *
 * The describe calls support no resource-level permissions (`DescribeNetworkInterfaces` "only works if it's allowed
 * on all resources"), so they get `*`; the calls that change network interfaces are limited to this account and
 * region, as that page suggests for DeleteNetworkInterface.
 */
export function grantVpcNetworkInterfaces(scope: IConstruct, role: iam.IRole): void {
  const { partition, region, account } = Stack.of(scope);
  role.addToPrincipalPolicy(
    new iam.PolicyStatement({
      actions: ['ec2:DescribeNetworkInterfaces', 'ec2:DescribeSubnets'],
      resources: ['*'],
    }),
  );
  role.addToPrincipalPolicy(
    new iam.PolicyStatement({
      actions: [
        'ec2:CreateNetworkInterface',
        'ec2:DeleteNetworkInterface',
        'ec2:AssignPrivateIpAddresses',
        'ec2:UnassignPrivateIpAddresses',
      ],
      resources: [`arn:${partition}:ec2:${region}:${account}:*/*`],
    }),
  );
}
