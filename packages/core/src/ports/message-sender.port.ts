import type { OutgoingMessage } from '../domain/messages.js';

/**
 * Delivers messages to users (password reset, email verification, notifications). Adapters: the in-memory outbox
 * (`@devauth/core/testing`), a callback (`createCallbackMessageSender`), Amazon SES (`@devauth/adapters-ses`).
 *
 * An adapter throws UpstreamUnavailableError when the transport is down or throttling (the edge answers 503 with
 * Retry-After) and never logs a message's token. Use cases that send a token call it only after the token is stored,
 * and a failed send leaves the user able to ask again.
 */
export interface MessageSender {
  send(message: OutgoingMessage): Promise<void>;
}
