import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { checkLiteralHost, guardedLookup, type WebhookPolicy } from './address-policy.js';
import { DeliveryError, type Message } from './message.js';

/** Slack's incoming webhooks take `{ text }` (mrkdwn), not arbitrary JSON. */
export function isSlackWebhook(url: string): boolean {
  try {
    return new URL(url).hostname === 'hooks.slack.com';
  } catch {
    return false;
  }
}

/**
 * Text as Slack shows it literally: Slack reads `<…>` as links and mentions
 * (`<!channel>`, `<https://evil|Reset password>`), and a post from X is
 * anyone's text. Its documented escapes are these three.
 */
export function slackEscape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** The body a webhook URL gets: Slack-compatible for Slack, the message's JSON otherwise. */
export function webhookBody(url: string, message: Message): Record<string, unknown> {
  // Every line of a notice may quote X (post text, author names), so all of it is escaped.
  if (isSlackWebhook(url)) return { text: `*${slackEscape(message.subject)}*\n${slackEscape(message.text)}` };
  return { idempotency_key: message.idempotencyKey, ...message.json };
}

/**
 * POSTs the message. The idempotency key travels in the `Idempotency-Key`
 * header and the body, so a receiver can drop the repeat a crash between
 * sending and marking causes. A 4xx other than 408/429 is permanent, and so
 * is a redirect: it is never followed (a 307 would re-POST the message to
 * wherever it points). Only the status is read: the response body is
 * dropped unread, so neither its size nor its content (an internal page)
 * reaches the worker's memory or a stored error. `timeoutMs` bounds the
 * whole attempt, from the DNS lookup to the status line.
 */
export function sendWebhook(
  url: string,
  message: Message,
  timeoutMs: number,
  policy: WebhookPolicy,
): Promise<void> {
  const target = new URL(url);
  if (target.protocol !== 'https:' && target.protocol !== 'http:')
    return Promise.reject(new DeliveryError(`webhook refused: ${target.protocol} is not http(s)`, true));
  try {
    checkLiteralHost(target, policy);
  } catch (err) {
    return Promise.reject(err);
  }
  const body = Buffer.from(JSON.stringify(webhookBody(url, message)));
  const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise<void>((resolve, reject) => {
    const req = send(
      target,
      {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'content-length': body.length,
          'idempotency-key': message.idempotencyKey,
          'user-agent': 'tagpulse',
        },
        lookup: guardedLookup(policy, target.hostname) as never,
        // A socket of its own per attempt: nothing pooled outlives the checked address.
        agent: false,
      },
      (res) => {
        clearTimeout(deadline);
        const status = res.statusCode ?? 0;
        res.destroy();
        if (status >= 200 && status < 300) return resolve();
        if (status >= 300 && status < 400)
          return reject(new DeliveryError(`webhook answered ${status} (redirects are not followed)`, true));
        const permanent = status >= 400 && status < 500 && status !== 408 && status !== 429;
        reject(new DeliveryError(`webhook answered ${status}`, permanent));
      },
    );
    const deadline = setTimeout(
      () => req.destroy(new DeliveryError(`webhook unreachable: no answer within ${timeoutMs} ms`)),
      timeoutMs,
    );
    req.on('error', (err) => {
      clearTimeout(deadline);
      reject(err instanceof DeliveryError ? err : new DeliveryError(`webhook unreachable: ${err.message}`));
    });
    req.end(body);
  });
}
