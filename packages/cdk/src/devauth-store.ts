import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import type * as iam from 'aws-cdk-lib/aws-iam';
import type { IDependable } from 'constructs';

/**
 * Where a function must run to reach a store inside a VPC, in the shape of `lambda.FunctionProps`, so an app's own
 * function can spread it: `new lambda.Function(this, 'Orders', { ...store.vpcPlacement, ... })`.
 */
export interface DevauthVpcPlacement {
  readonly vpc: ec2.IVpc;
  readonly vpcSubnets: ec2.SubnetSelection;
  /** The security group the store lets in (an array because that is what `lambda.FunctionProps` takes). */
  readonly securityGroups: ec2.ISecurityGroup[];
}

/**
 * Where devauth keeps its users, refresh tokens, throttle counters, invitations and guest links, as the functions
 * see it: `DevauthUserTable` (DynamoDB) or `DevauthPostgresStore` (PostgreSQL through a Secrets Manager secret).
 */
export interface IDevauthStore {
  /** The handler settings naming the store (`DEVAUTH_STORE` and what that kind needs). */
  readonly environment: Readonly<Record<string, string>>;
  /** Set when the store is reached over a VPC network: every function that uses it must run there. */
  readonly vpcPlacement?: DevauthVpcPlacement;
  /** What functions that use the store must be deployed after (the schema migrations). */
  readonly readiness?: IDependable;
  /** Everything the auth routes do to the store: reads, conditional writes, transactions, deletes. */
  grantStoreAccess(grantee: iam.IGrantable): void;
  /** What the in-Lambda guard does: look a user up by IdentityId and by id. */
  grantUserLookup(grantee: iam.IGrantable): void;
  /**
   * What the admin listings add to a lookup: paging through users and invitations (DynamoDB: Query on the listing
   * index). Given with grantUserLookup, never instead of it, so a listing function stays read-only.
   */
  grantListing(grantee: iam.IGrantable): void;
}
