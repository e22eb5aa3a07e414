/**
 * `@devauth/adapters-ses`: the core's MessageSender on Amazon SES (API v2), with `@aws-sdk/client-sesv2` (a peer
 * dependency).
 */
export { SesErrorDetails } from './errors.js';
export type { SesMessageSenderOptions } from './options.js';
export { createSesMessageSender, SesMessageSender } from './ses-message-sender.js';
