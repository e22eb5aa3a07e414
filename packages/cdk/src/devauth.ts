import type { AccessTable } from '@devauth/access';
import { DEFAULT_ROLES } from '@devauth/core';
import { CfnOutput, Stack } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { DevauthAccessRoles } from './access-roles.js';
import type { DevauthApiProps } from './api-options.js';
import { wireAppFunction } from './app-functions.js';
import { DevauthAuthFunctions, type DevauthAuthFunctionsProps, type DevauthMessagesProps } from './auth-functions.js';
import type { IDevauthStore } from './devauth-store.js';
import { DevauthConstructError } from './errors.js';
import { DevauthHttpApi } from './http-api.js';
import { DevauthIdentityPool } from './identity-pool.js';
import { DevauthPostgresStore } from './postgres-store.js';
import { DevauthRestApi } from './rest-api.js';
import { type DevauthRoute, deploymentAccessTable, handlersOf, routesOf } from './routes.js';
import { DevauthUserTable, type DevauthUserTableProps } from './user-table.js';

export interface DevauthApiOptions extends Omit<DevauthApiProps, 'authFunctions' | 'routes'> {
  /** `http` (HTTP API, payload v2; default) or `rest` (REST API, payload v1). */
  readonly kind?: 'http' | 'rest';
  /** REST only (default `prod`); an HTTP API uses `$default`. */
  readonly stageName?: string;
}

export interface DevauthProps {
  /** The identity pool's developer provider name (e.g. `login.example.com`). */
  readonly developerProviderName: string;
  /** Whether guests get identities (the guest route, the unauthenticated role). Default true. */
  readonly allowGuests?: boolean;
  /**
   * The roles users may have, besides guest. Default: the core's DEFAULT_ROLES (`shopper`, `seller`, `admin`). The
   * admin routes (`/admin/*`, the `admin` role only) are deployed only when `admin` is one of them.
   */
  readonly roles?: readonly string[];
  /** The app's routes: each one an AWS_IAM route, a row of the access table and a guard entry for its handler. */
  readonly routes?: readonly DevauthRoute[];
  readonly api?: DevauthApiOptions;
  /** The auth functions (code, runtime, architecture, memory, ...). */
  readonly functions?: Omit<DevauthAuthFunctionsProps, 'identityPool' | 'store' | 'roles' | 'corsOrigins' | 'messages'>;
  /** How the routes send messages (password reset, email verification, notifications). */
  readonly messages?: DevauthMessagesProps;
  /**
   * Where users are kept. Default: a `DevauthUserTable` (DynamoDB) made with `table`. A `DevauthPostgresStore` (or any
   * IDevauthStore) is used as given; the app's functions must then be placed with `store.vpcPlacement`.
   */
  readonly store?: IDevauthStore;
  /** The DynamoDB table's settings, when `store` is not given. */
  readonly table?: DevauthUserTableProps;
  readonly identityPoolName?: string;
  /**
   * Add CfnOutputs: ApiUrl, IdentityPoolId, Region, DeveloperProviderName, and the store's TableName (DynamoDB) or
   * DatabaseSecretArn (a DevauthPostgresStore), which is what the operator CLI needs. Default true.
   */
  readonly outputs?: boolean;
}

/** What a client (or another stack, or the operator CLI) needs to reach this deployment. */
export interface DevauthOutputs {
  readonly apiUrl: string;
  readonly apiKind: 'http' | 'rest';
  readonly identityPoolId: string;
  readonly developerProviderName: string;
  readonly region: string;
  /** The DynamoDB table's name (`DEVAUTH_TABLE_NAME`), when the store is a `DevauthUserTable`. */
  readonly tableName?: string;
  /** The database secret's ARN (`DEVAUTH_DATABASE_SECRET_ARN`), when the store is a `DevauthPostgresStore`. */
  readonly databaseSecretArn?: string;
}

/**
 * devauth's whole AWS side in one construct: the user store (a DynamoDB table unless a store is given), the identity
 * pool (developer-authenticated identities, enhanced flow only), one function per route of the handlers, the API
 * (HTTP by default, REST as an option) with the auth routes, `GET /me`, the account routes, the admin routes (when
 * `admin` is a role) and the app's routes, and the pool's two IAM roles whose policies are the access table's. Each
 * part is a construct of its own (`userTable`, `identityPool`, `authFunctions`, `api`, `accessRoles`) and can be used
 * alone; their L1/L2 resources are exposed for escape hatches.
 */
export class Devauth extends Construct {
  readonly store: IDevauthStore;
  /** The DynamoDB table this construct made (absent when `store` was given). */
  readonly userTable?: DevauthUserTable;
  readonly identityPool: DevauthIdentityPool;
  readonly authFunctions: DevauthAuthFunctions;
  readonly api: DevauthHttpApi | DevauthRestApi;
  readonly accessRoles: DevauthAccessRoles;
  /** The deployment's access table: `GET /me`, the account and admin routes, and the app routes. */
  readonly accessTable: AccessTable;
  readonly roles: readonly string[];
  readonly outputs: DevauthOutputs;

  constructor(scope: Construct, id: string, props: DevauthProps) {
    super(scope, id);
    const allowGuests = props.allowGuests ?? true;
    const routes = props.routes ?? [];
    this.roles = [...(props.roles ?? DEFAULT_ROLES)];
    // Built first: a bad table fails before any resource is made.
    this.accessTable = deploymentAccessTable(this, routes, { roles: this.roles, allowGuests });

    if (props.store && props.table) {
      throw new DevauthConstructError(
        this.node.path,
        'give either store or table (the settings of a new table), not both.',
      );
    }
    if (props.store) {
      this.store = props.store;
    } else {
      this.userTable = new DevauthUserTable(this, 'UserTable', props.table);
      this.store = this.userTable;
    }
    this.identityPool = new DevauthIdentityPool(this, 'IdentityPool', {
      developerProviderName: props.developerProviderName,
      allowGuests,
      ...(props.identityPoolName === undefined ? {} : { identityPoolName: props.identityPoolName }),
    });
    const { kind = 'http', stageName, ...apiOptions } = props.api ?? {};
    this.authFunctions = new DevauthAuthFunctions(this, 'AuthFunctions', {
      ...props.functions,
      ...(props.messages ? { messages: props.messages } : {}),
      identityPool: this.identityPool,
      store: this.store,
      roles: this.roles,
      ...(apiOptions.cors ? { corsOrigins: apiOptions.cors.allowOrigins } : {}),
    });
    // Each app function learns the routes that reach it (its guard refuses any other) and may look users up.
    for (const handler of handlersOf(routes)) {
      wireAppFunction(this, handler, {
        table: { routes: routesOf(routes, handler) },
        roles: this.roles,
        identityPool: this.identityPool,
        store: this.store,
        ...(props.functions?.settings?.guardCacheTtlSeconds === undefined
          ? {}
          : { guardCacheTtlSeconds: props.functions.settings.guardCacheTtlSeconds }),
      });
    }
    const apiProps = { ...apiOptions, authFunctions: this.authFunctions.functions, routes };
    this.api =
      kind === 'rest'
        ? new DevauthRestApi(this, 'Api', { ...apiProps, ...(stageName === undefined ? {} : { stageName }) })
        : new DevauthHttpApi(this, 'Api', apiProps);
    this.accessRoles = new DevauthAccessRoles(this, 'AccessRoles', {
      identityPool: this.identityPool,
      accessTable: this.accessTable,
      api: this.api,
    });

    this.outputs = {
      apiUrl: this.api.url,
      apiKind: this.api.kind,
      identityPoolId: this.identityPool.identityPoolId,
      developerProviderName: this.identityPool.developerProviderName,
      region: Stack.of(this).region,
      ...storeOutputs(this.store),
    };
    if (props.outputs ?? true) this.addOutputs();
  }

  /**
   * A client needs ApiUrl, IdentityPoolId and Region; the operator CLI (`@devauth/cli`) needs the handlers' store and
   * pool variables, which are these outputs (see the README, "Operating a deployment").
   */
  private addOutputs(): void {
    const outputs = this.outputs;
    new CfnOutput(this, 'ApiUrl', { value: outputs.apiUrl, description: 'devauth API base URL' });
    new CfnOutput(this, 'IdentityPoolId', {
      value: outputs.identityPoolId,
      description: 'Cognito identity pool id (DEVAUTH_IDENTITY_POOL_ID)',
    });
    new CfnOutput(this, 'Region', { value: outputs.region, description: 'Region of the pool and the API' });
    new CfnOutput(this, 'DeveloperProviderName', {
      value: outputs.developerProviderName,
      description: 'Developer provider name of the pool (DEVAUTH_DEVELOPER_PROVIDER_NAME)',
    });
    if (outputs.tableName !== undefined) {
      new CfnOutput(this, 'TableName', {
        value: outputs.tableName,
        description: 'devauth DynamoDB table (DEVAUTH_TABLE_NAME)',
      });
    }
    if (outputs.databaseSecretArn !== undefined) {
      new CfnOutput(this, 'DatabaseSecretArn', {
        value: outputs.databaseSecretArn,
        description: 'devauth database credentials secret (DEVAUTH_DATABASE_SECRET_ARN)',
      });
    }
  }
}

/** The store's part of the outputs: its name or secret ARN, for the known store constructs. */
function storeOutputs(store: IDevauthStore): Pick<DevauthOutputs, 'tableName' | 'databaseSecretArn'> {
  if (store instanceof DevauthUserTable) return { tableName: store.tableName };
  if (store instanceof DevauthPostgresStore) return { databaseSecretArn: store.secret.secretArn };
  return {};
}
