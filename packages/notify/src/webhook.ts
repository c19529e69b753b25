import { DeliveryError, type Message } from './message.js';

/** Slack's incoming webhooks take `{ text }` (mrkdwn), not arbitrary JSON. */
export function isSlackWebhook(url: string): boolean {
  try {
    return new URL(url).hostname === 'hooks.slack.com';
  } catch {
    return false;
  }
}

/** The body a webhook URL gets: Slack-compatible for Slack, the message's JSON otherwise. */
export function webhookBody(url: string, message: Message): Record<string, unknown> {
  if (isSlackWebhook(url)) return { text: `*${message.subject}*\n${message.text}` };
  return { idempotency_key: message.idempotencyKey, ...message.json };
}

/**
 * POSTs the message. The idempotency key travels in the `Idempotency-Key`
 * header and the body, so a receiver can drop the repeat a crash between
 * sending and marking causes. A 4xx other than 408/429 is permanent.
 */
export async function sendWebhook(url: string, message: Message, timeoutMs: number): Promise<void> {
  let res: Response;
  try {
    res = await fetch(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'idempotency-key': message.idempotencyKey,
        'user-agent': 'tagpulse',
      },
      body: JSON.stringify(webhookBody(url, message)),
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (err) {
    throw new DeliveryError(`webhook unreachable: ${(err as Error).message}`);
  }
  // Drain the body so the connection is released.
  await res.arrayBuffer().catch(() => undefined);
  if (!res.ok) {
    const permanent = res.status >= 400 && res.status < 500 && res.status !== 408 && res.status !== 429;
    throw new DeliveryError(`webhook answered ${res.status}`, permanent);
  }
}
