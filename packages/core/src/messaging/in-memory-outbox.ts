import { type OutgoingMessage, type RenderedMessage, type RenderOptions, renderMessage } from '../domain/messages.js';
import type { MessageSender } from '../ports/message-sender.port.js';

export interface OutboxEntry {
  readonly message: OutgoingMessage;
  readonly rendered: RenderedMessage;
  readonly sentAt: Date;
}

/**
 * The local outbox: messages are kept in memory, rendered as a mail adapter would render them, for tests, the demo
 * and the dev server to read (e.g. the reset token a user "received"). It prints nothing: tokens never reach a log.
 * `failNext(error)` makes the next send throw, to test what a failed delivery leaves behind.
 */
export class InMemoryOutbox implements MessageSender {
  private readonly entries: OutboxEntry[] = [];
  private failure: Error | undefined;

  constructor(private readonly render: RenderOptions = {}) {}

  async send(message: OutgoingMessage): Promise<void> {
    const failure = this.failure;
    if (failure) {
      this.failure = undefined;
      throw failure;
    }
    this.entries.push({ message, rendered: renderMessage(message, this.render), sentAt: new Date() });
  }

  /** Every message sent, oldest first. */
  get sent(): readonly OutboxEntry[] {
    return [...this.entries];
  }

  /** The newest message of `kind` to `to`, if any. */
  latest<K extends OutgoingMessage['kind']>(
    kind: K,
    to?: string,
  ): (OutboxEntry & { message: Extract<OutgoingMessage, { kind: K }> }) | undefined {
    for (let i = this.entries.length - 1; i >= 0; i--) {
      const entry = this.entries[i]!;
      if (entry.message.kind === kind && (to === undefined || entry.message.to === to)) {
        return entry as OutboxEntry & { message: Extract<OutgoingMessage, { kind: K }> };
      }
    }
    return undefined;
  }

  failNext(error: Error): void {
    this.failure = error;
  }

  clear(): void {
    this.entries.length = 0;
  }
}
