/**
 * What devauth sends to users: typed message kinds, rendered from replaceable templates to a subject, plain text and
 * HTML. Secrets (reset and verification tokens) live only in the message itself: an adapter must send it and never
 * log it; the rendered parts are what a mail transport needs, nothing else.
 */

/** Messages that carry a single-use secret: the link (or the bare token) the user follows. */
export interface TokenMessage {
  readonly to: string;
  readonly username: string;
  /** The secret (never stored: only its digest is). */
  readonly token: string;
  readonly issuedAt: Date;
  readonly expiresAt: Date;
}

/** Messages that tell the user something happened to the account (no secret). */
export interface NoticeMessage {
  readonly to: string;
  readonly username: string;
  readonly at: Date;
}

export type OutgoingMessage =
  | ({ readonly kind: 'password-reset' } & TokenMessage)
  | ({ readonly kind: 'email-verification' } & TokenMessage)
  | ({ readonly kind: 'password-changed' } & NoticeMessage)
  /** To the previous address, once a new one was confirmed and replaced it. */
  | ({ readonly kind: 'email-changed' } & NoticeMessage)
  | ({ readonly kind: 'account-deleted' } & NoticeMessage);

export type MessageKind = OutgoingMessage['kind'];

export interface RenderedMessage {
  readonly subject: string;
  readonly text: string;
  readonly html: string;
}

/** Where the user acts on a token: `{token}` is replaced by the URL-encoded token. */
export interface MessageLinks {
  /** e.g. `https://app.example.com/reset-password?token={token}`. Without it the message shows the bare token. */
  readonly passwordReset?: string;
  readonly emailVerification?: string;
}

export interface MessageContext {
  /** The product name in subjects and greetings. Default `devauth`. */
  readonly appName: string;
  readonly links: MessageLinks;
  /** BCP 47 tag the templates may use (default `en`). */
  readonly locale: string;
}

type Template<K extends MessageKind> = (
  message: Extract<OutgoingMessage, { kind: K }>,
  context: MessageContext,
) => RenderedMessage;

/** One template per kind; replace some or all (e.g. per locale) with `renderMessage`'s `templates`. */
export type MessageTemplates = { readonly [K in MessageKind]: Template<K> };

const ESCAPES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};
/** Every value put into HTML goes through this: usernames and links are the user's or the deployer's text. */
export const escapeHtml = (value: string): string => value.replace(/[&<>"']/g, (c) => ESCAPES[c]!);

function tokenLink(template: string | undefined, token: string): string {
  return template ? template.replaceAll('{token}', encodeURIComponent(token)) : token;
}

function lifetime(issuedAt: Date, expiresAt: Date): string {
  const minutes = Math.max(1, Math.round((expiresAt.getTime() - issuedAt.getTime()) / 60_000));
  return minutes >= 120 ? `${Math.round(minutes / 60)} hours` : `${minutes} minutes`;
}

function html(paragraphs: readonly string[]): string {
  return `<!doctype html><html><body>${paragraphs.map((p) => `<p>${p}</p>`).join('')}</body></html>`;
}

function tokenTemplate(
  subject: (app: string) => string,
  intro: string,
  action: string,
  link: (links: MessageLinks) => string | undefined,
  ignore: string,
) {
  return (message: TokenMessage, context: MessageContext): RenderedMessage => {
    const target = tokenLink(link(context.links), message.token);
    const isUrl = link(context.links) !== undefined;
    const valid = `It is valid for ${lifetime(message.issuedAt, message.expiresAt)} and works once.`;
    return {
      subject: subject(context.appName),
      text: [`Hello ${message.username},`, intro, `${action}: ${target}`, valid, ignore].join('\n\n'),
      html: html([
        `Hello ${escapeHtml(message.username)},`,
        escapeHtml(intro),
        isUrl
          ? `<a href="${escapeHtml(target)}">${escapeHtml(action)}</a>`
          : `${escapeHtml(action)}: <code>${escapeHtml(target)}</code>`,
        escapeHtml(valid),
        escapeHtml(ignore),
      ]),
    };
  };
}

function noticeTemplate(subject: (app: string) => string, body: (app: string) => string) {
  return (message: NoticeMessage, context: MessageContext): RenderedMessage => {
    const when = message.at.toISOString();
    const text = `${body(context.appName)} (${when}).`;
    const help = 'If this was not you, contact support right away.';
    return {
      subject: subject(context.appName),
      text: [`Hello ${message.username},`, text, help].join('\n\n'),
      html: html([`Hello ${escapeHtml(message.username)},`, escapeHtml(text), escapeHtml(help)]),
    };
  };
}

/** The default templates: plain English, HTML-escaped, no tracking, no remote images. */
export const DEFAULT_MESSAGE_TEMPLATES: MessageTemplates = {
  'password-reset': tokenTemplate(
    (app) => `Reset your ${app} password`,
    'Someone asked to reset the password of your account.',
    'Choose a new password',
    (links) => links.passwordReset,
    'If you did not ask for this, ignore this message: your password stays as it is.',
  ),
  'email-verification': tokenTemplate(
    (app) => `Confirm your email address for ${app}`,
    'Please confirm that this address belongs to your account.',
    'Confirm the address',
    (links) => links.emailVerification,
    'If you did not expect this, ignore this message.',
  ),
  'password-changed': noticeTemplate(
    (app) => `Your ${app} password was changed`,
    () => 'The password of your account was changed and your other sessions were signed out',
  ),
  'email-changed': noticeTemplate(
    (app) => `Your ${app} email address was changed`,
    () => 'A new email address was confirmed for your account; messages no longer come to this one',
  ),
  'account-deleted': noticeTemplate(
    (app) => `Your ${app} account was deleted`,
    () => 'Your account and everything stored with it were deleted',
  ),
};

/** Renders `message` with `templates` (any kind not given falls back to the default template). */
export function renderMessage(
  message: OutgoingMessage,
  options: {
    readonly templates?: Partial<MessageTemplates>;
    readonly appName?: string;
    readonly links?: MessageLinks;
    readonly locale?: string;
  } = {},
): RenderedMessage {
  const context: MessageContext = {
    appName: options.appName ?? 'devauth',
    links: options.links ?? {},
    locale: options.locale ?? 'en',
  };
  const template = (options.templates?.[message.kind] ?? DEFAULT_MESSAGE_TEMPLATES[message.kind]) as (
    message: OutgoingMessage,
    context: MessageContext,
  ) => RenderedMessage;
  return template(message, context);
}

export type RenderOptions = Parameters<typeof renderMessage>[1];
