import type { ApiTarget } from '../src/index.js';

/** A pool and two deployed APIs (one of each kind) that the policy tests generate resources for. */
export const POOL_ID = 'eu-west-1:11111111-2222-3333-4444-555555555555';

export const REST_TARGET: ApiTarget = {
  region: 'eu-west-1',
  accountId: '123456789012',
  apiId: 'a1b2c3d4e5',
  stage: 'prod',
  kind: 'rest',
};

export const HTTP_TARGET: ApiTarget = {
  region: 'eu-west-1',
  accountId: '123456789012',
  apiId: 'b2c3d4e5f6',
  stage: '$default',
  kind: 'http',
};
