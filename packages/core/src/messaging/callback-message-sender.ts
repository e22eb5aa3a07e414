import { type OutgoingMessage, type RenderedMessage, type RenderOptions, renderMessage } from '../domain/messages.js';
import type { MessageSender } from '../ports/message-sender.port.js';

/**
 * A MessageSender for teams that send mail their own way: `deliver` gets the typed message and its rendering (with
 * the templates, app name and links given here). Whatever `deliver` throws reaches the use case, which keeps the
 * answer the same for unknown and known accounts; throw UpstreamUnavailableError for a transport that is down.
 */
export function createCallbackMessageSender(
  deliver: (message: OutgoingMessage, rendered: RenderedMessage) => Promise<void>,
  render: RenderOptions = {},
): MessageSender {
  return { send: (message) => deliver(message, renderMessage(message, render)) };
}
