/**
 * `@devauth/adapters-cognito`: the core's IdentityBroker on Amazon Cognito identity pools (developer-authenticated
 * identities), with `@aws-sdk/client-cognito-identity` (a peer dependency).
 */
export { CognitoIdentityBroker, createCognitoIdentityBroker } from './cognito-identity-broker.js';
export { CognitoErrorDetails } from './errors.js';
export type { CognitoBrokerLogger, CognitoIdentityBrokerOptions } from './options.js';
