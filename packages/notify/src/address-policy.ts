import { type LookupAddress, lookup } from 'node:dns';
import { BlockList, isIP } from 'node:net';
import { DeliveryError } from './message.js';

/**
 * Where webhooks may go. Without an allowance a webhook reaches public
 * addresses only: an admin key must not turn the worker into a client of its
 * own network (databases, the cloud's metadata service, admin consoles).
 */
export interface WebhookPolicy {
  /** Any address, private ones included (tests with local receivers, single-host setups). */
  allowPrivate: boolean;
  /** Host names (as written in the URL, any case) whose addresses may be private. */
  allowHosts: readonly string[];
}

/**
 * Loopback, private, shared, link-local (cloud metadata), multicast and reserved ranges. One
 * list per family: a BlockList matches IPv4 addresses against its IPv4-mapped IPv6 rules too.
 */
const NOT_PUBLIC_V4 = new BlockList();
const NOT_PUBLIC_V6 = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 3],
] as const)
  NOT_PUBLIC_V4.addSubnet(net, prefix, 'ipv4');
for (const [net, prefix] of [
  ['::', 127], // unspecified and loopback
  ['::ffff:0:0', 96], // IPv4-mapped: would reach any IPv4 address, private ones too
  ['64:ff9b::', 96], // NAT64, same
  ['fc00::', 7], // unique local (fd00:ec2::254 is a metadata service)
  ['fe80::', 10], // link-local
  ['ff00::', 8], // multicast
] as const)
  NOT_PUBLIC_V6.addSubnet(net, prefix, 'ipv6');

export function isPublicAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 0) return false;
  return family === 4 ? !NOT_PUBLIC_V4.check(address, 'ipv4') : !NOT_PUBLIC_V6.check(address, 'ipv6');
}

function allowsAny(policy: WebhookPolicy, hostname: string): boolean {
  const host = hostname.toLowerCase();
  return policy.allowPrivate || policy.allowHosts.some((h) => h.toLowerCase() === host);
}

/** A URL host as `net` takes it: IPv6 literals without their brackets. */
export function bareHost(url: URL): string {
  return url.hostname.replace(/^\[(.*)\]$/, '$1');
}

/** Refuses an IP-literal host outside the policy (Node connects to literals without a lookup). */
export function checkLiteralHost(url: URL, policy: WebhookPolicy): void {
  const host = bareHost(url);
  if (isIP(host) !== 0 && !allowsAny(policy, url.hostname) && !isPublicAddress(host))
    throw new DeliveryError(`webhook refused: ${host} is not a public address (WEBHOOK_ALLOW_HOSTS)`, true);
}

type LookupCallback = (
  err: NodeJS.ErrnoException | null,
  address: string | LookupAddress[],
  family?: number,
) => void;

/**
 * A `lookup` for `http.request` that resolves the name and hands the socket
 * only the addresses the policy allows. The socket connects to the very
 * address checked here, so a DNS answer that changes between a check and the
 * connection (rebinding) cannot slip a private address in.
 */
export function guardedLookup(policy: WebhookPolicy, urlHostname: string) {
  return (hostname: string, options: { all?: boolean }, callback: LookupCallback): void => {
    lookup(hostname, { all: true }, (err, addresses) => {
      if (err) return callback(err, []);
      const allowed = allowsAny(policy, urlHostname)
        ? addresses
        : addresses.filter((a) => isPublicAddress(a.address));
      if (allowed.length === 0)
        return callback(
          new DeliveryError(
            `webhook refused: ${hostname} resolves to no public address (WEBHOOK_ALLOW_HOSTS)`,
            true,
          ),
          [],
        );
      if (options.all) return callback(null, allowed);
      const [first] = allowed as [LookupAddress];
      callback(null, first.address, first.family);
    });
  };
}
