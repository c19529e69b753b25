/**
 * What any sender needs to deliver one message: alert notices now, scheduled
 * reports next. Channels render it their way (JSON body, Slack text, e-mail).
 */
export interface Message {
  /** One line: the e-mail subject and the Slack headline. */
  subject: string;
  /** Plain text for people (e-mail body, Slack message). */
  text: string;
  /** The machine-readable body of a webhook. */
  json: Record<string, unknown>;
  /** Same for every attempt of this message on this channel: receivers drop repeats with it. */
  idempotencyKey: string;
  /** An HTML e-mail body beside `text` (a scheduled report); `cid:` images come from `attachments`. */
  html?: string | undefined;
  /** E-mail attachments, base64 so a message keeps in the ledger's JSON; `cid` makes one an inline image. */
  attachments?: MessageAttachment[] | undefined;
}

export interface MessageAttachment {
  filename: string;
  contentType: string;
  encoding: 'base64';
  content: string;
  cid?: string | undefined;
}

/** A failure worth retrying (network, timeout, 5xx, 429) or not (`permanent`: a 4xx, a refused address). */
export class DeliveryError extends Error {
  override name = 'DeliveryError';
  constructor(
    message: string,
    readonly permanent = false,
  ) {
    super(message);
  }
}
