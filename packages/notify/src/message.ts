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
