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
  /** The roles users may have, besides guest. Default: the core's DEFAULT_ROLES (`shopper`, `seller`). */
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
  /** Add CfnOutputs (ApiUrl, IdentityPoolId, Region). Default true. */
  readonly outputs?: boolean;
}

/** What a client (or another stack) needs to reach this deployment. */
export interface DevauthOutputs {
  readonly apiUrl: string;
  readonly apiKind: 'http' | 'rest';
  readonly identityPoolId: string;
  readonly developerProviderName: string;
  readonly region: string;
}

/**
 * devauth's whole AWS side in one construct: the user store (a DynamoDB table unless a store is given), the identity pool (developer-authenticated
 * identities, enhanced flow only), one function per auth route, the API (HTTP by default, REST as an option) with the auth
 * routes, `GET /me` and the app's routes, and the pool's two IAM roles whose policies are the access table's. Each
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
  /** The deployment's access table: the app routes and `GET /me`. */
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
    };
    if (props.outputs ?? true) {
      new CfnOutput(this, 'ApiUrl', { value: this.outputs.apiUrl, description: 'devauth API base URL' });
      new CfnOutput(this, 'IdentityPoolId', {
        value: this.outputs.identityPoolId,
        description: 'Cognito identity pool id',
      });
      new CfnOutput(this, 'Region', { value: this.outputs.region, description: 'Region of the pool and the API' });
    }
  }
}
