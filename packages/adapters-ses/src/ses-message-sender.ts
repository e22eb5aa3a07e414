import { SESv2Client, SendEmailCommand, type SendEmailCommandInput } from '@aws-sdk/client-sesv2';
import {
  ConfigurationError,
  type MessageSender,
  type OutgoingMessage,
  type RenderedMessage,
  renderMessage,
} from '@devauth/core';
import { errorName, SesErrorDetails, toPortError, tracked } from './errors.js';
import { type ResolvedOptions, resolveOptions, type SesMessageSenderOptions } from './options.js';

const CHARSET = 'UTF-8';

/**
 * The core's MessageSender on Amazon SES (API v2, SendEmail with simple content: SES builds the MIME message from
 * the subject and the text and HTML bodies).
 *
 * Errors: UpstreamUnavailableError (throttling, outages, network failures and timeouts, after the SDK's retries;
 * `notApplied` only when no attempt can have sent the message) or ConfigurationError (everything SES refuses).
 * Neither carries the recipient, the subject, the bodies or the token, and the sender logs nothing. Nothing is
 * created until the first send.
 */
export class SesMessageSender implements MessageSender {
  private readonly options: ResolvedOptions;
  private createdClient: SESv2Client | undefined;

  constructor(options: SesMessageSenderOptions) {
    this.options = resolveOptions(options);
  }

  get from(): string {
    return this.options.from;
  }

  /** The SDK client: the one given, or one created on first use from `clientConfig`. */
  get client(): SESv2Client {
    if (this.options.client) return this.options.client;
    this.createdClient ??= new SESv2Client({
      maxAttempts: this.options.maxAttempts,
      // Only with throwOnRequestTimeout does the SDK give up after requestTimeout (otherwise it warns and waits).
      requestHandler: {
        connectionTimeout: this.options.connectionTimeoutMs,
        requestTimeout: this.options.requestTimeoutMs,
        throwOnRequestTimeout: true,
      },
      ...this.options.clientConfig,
    });
    return this.createdClient;
  }

  async send(message: OutgoingMessage): Promise<void> {
    const rendered = this.render(message);
    try {
      await this.client.send(tracked(new SendEmailCommand(this.input(message.to, rendered))));
    } catch (error) {
      throw toPortError(error, this.options);
    }
  }

  /** Destroys the client the sender created (a given client is the caller's to destroy). */
  close(): void {
    this.createdClient?.destroy();
    this.createdClient = undefined;
  }

  /**
   * The SendEmail request (https://docs.aws.amazon.com/ses/latest/APIReference-V2/API_SendEmail.html): one `To`
   * recipient, optional Reply-To and configuration set, simple content with UTF-8 subject, text and HTML bodies.
   */
  private input(to: string, rendered: RenderedMessage): SendEmailCommandInput {
    const { from, replyTo, configurationSetName } = this.options;
    return {
      FromEmailAddress: from,
      Destination: { ToAddresses: [to] },
      ...(replyTo === undefined ? {} : { ReplyToAddresses: [replyTo] }),
      ...(configurationSetName === undefined ? {} : { ConfigurationSetName: configurationSetName }),
      Content: {
        Simple: {
          Subject: { Data: rendered.subject, Charset: CHARSET },
          Body: {
            Text: { Data: rendered.text, Charset: CHARSET },
            Html: { Data: rendered.html, Charset: CHARSET },
          },
        },
      },
    };
  }

  /** Renders with the configured templates; a template that throws is a deployment problem (its text is dropped). */
  private render(message: OutgoingMessage): RenderedMessage {
    let rendered: RenderedMessage;
    try {
      rendered = renderMessage(message, this.options.render);
    } catch (error) {
      const name = errorName(error);
      throw new ConfigurationError(`SesMessageSender: the ${message.kind} template failed (${name}).`, {
        cause: new SesErrorDetails('render', name, undefined, undefined, undefined, undefined),
      });
    }
    if (
      typeof rendered?.subject !== 'string' ||
      typeof rendered.text !== 'string' ||
      typeof rendered.html !== 'string'
    ) {
      throw new ConfigurationError(
        `SesMessageSender: the ${message.kind} template must return { subject, text, html } strings.`,
      );
    }
    return rendered;
  }
}

export function createSesMessageSender(options: SesMessageSenderOptions): SesMessageSender {
  return new SesMessageSender(options);
}
