import type { ApiKeyScope } from '@tagpulse/db';

/**
 * A delivery's channel as a key of `scope` may see it. The stored key is
 * `webhook:<url>` or `email:<addresses>`, and a webhook URL is a password
 * (Slack's and Teams' carry their secret in the path): only admin keys, which
 * read the same URLs in the alert rules and report schedules, see it whole.
 * Read keys see the kind and the host (`webhook:hooks.slack.com`), or the
 * recipients' domains.
 */
export function channelView(channelKey: string, scope: ApiKeyScope): string {
  if (scope === 'admin') return channelKey;
  const colon = channelKey.indexOf(':');
  const kind = colon < 0 ? channelKey : channelKey.slice(0, colon);
  const target = colon < 0 ? '' : channelKey.slice(colon + 1);
  if (kind === 'webhook') {
    const host = URL.canParse(target) ? new URL(target).host : '';
    return host ? `webhook:${host}` : 'webhook';
  }
  if (kind === 'email') {
    const domains = new Set(target.split(',').map((address) => address.slice(address.lastIndexOf('@') + 1)));
    return `email:${[...domains].join(',')}`;
  }
  return kind;
}

/** A delivery's last error as `scope` may see it: never with the channel's full target in it. */
export function deliveryErrorView(
  error: string | null,
  channelKey: string,
  scope: ApiKeyScope,
): string | null {
  if (error === null || scope === 'admin') return error;
  const target = channelKey.slice(channelKey.indexOf(':') + 1);
  return target ? error.replaceAll(target, channelView(channelKey, scope)) : error;
}
