import type { SimUser } from '../world/authors.js';
import { publicMetrics } from '../world/post.js';
import { currentVersion, firstVersion, type MastodonPost, type MastodonWorld } from './mastodon-world.js';

/**
 * Mastodon's documented entities (docs.joinmastodon.org/entities: Status,
 * Account, Tag), as an instance serves them: ids local to the instance,
 * `uri` the same everywhere, `acct` qualified by domain on instances other
 * than the account's home.
 */
export interface MastodonTag {
  name: string;
  url: string;
}

export interface MastodonAccount {
  id: string;
  username: string;
  acct: string;
  url: string;
  uri: string;
  display_name: string;
  note: string;
  avatar: string;
  avatar_static: string;
  header: string;
  header_static: string;
  locked: boolean;
  fields: [];
  emojis: [];
  bot: boolean;
  group: boolean;
  discoverable: boolean;
  created_at: string;
  last_status_at: string | null;
  statuses_count: number;
  followers_count: number;
  following_count: number;
}

export interface MastodonStatus {
  id: string;
  uri: string;
  url: string;
  created_at: string;
  edited_at: string | null;
  account: MastodonAccount;
  content: string;
  visibility: 'public';
  sensitive: boolean;
  spoiler_text: string;
  media_attachments: [];
  application: null;
  mentions: [];
  tags: MastodonTag[];
  emojis: [];
  reblogs_count: number;
  favourites_count: number;
  replies_count: number;
  in_reply_to_id: string | null;
  in_reply_to_account_id: string | null;
  reblog: null;
  poll: null;
  card: null;
  language: string | null;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Mastodon counts fewer followers than X for the same people: a tenth, at least one. */
function followersOn(user: SimUser): number {
  return Math.max(1, Math.round(user.followers / 10));
}

export function accountJson(
  m: MastodonWorld,
  user: SimUser,
  instance: number,
  home: number,
): MastodonAccount {
  const domain = m.domains[home];
  const username = user.username.toLowerCase();
  return {
    // Local account ids differ per instance, as the instance numbers accounts as it learns them.
    id: String((instance + 1) * 10_000_000 + user.index),
    username,
    acct: instance === home ? username : `${username}@${domain}`,
    url: `https://${domain}/@${username}`,
    uri: `https://${domain}/users/${username}`,
    display_name: user.name,
    note: '',
    avatar: `https://${domain}/avatars/original/missing.png`,
    avatar_static: `https://${domain}/avatars/original/missing.png`,
    header: `https://${domain}/headers/original/missing.png`,
    header_static: `https://${domain}/headers/original/missing.png`,
    locked: false,
    fields: [],
    emojis: [],
    bot: false,
    group: false,
    discoverable: true,
    created_at: user.createdAt,
    last_status_at: null,
    statuses_count: Math.round(user.tweetCount / 10),
    followers_count: followersOn(user),
    following_count: Math.round(user.following / 10),
  };
}

/** Plain text to Mastodon's HTML, each hashtag a link to the instance's tag page. */
function contentHtml(text: string, domain: string): string {
  const html = escapeHtml(text).replace(
    /#([\p{L}\p{M}\p{N}_]+)/gu,
    (_, tag: string) =>
      `<a href="https://${domain}/tags/${encodeURIComponent(tag.toLowerCase())}" class="mention hashtag" rel="tag">#<span>${tag}</span></a>`,
  );
  return `<p>${html}</p>`;
}

export function statusJson(
  m: MastodonWorld,
  status: MastodonPost,
  instance: number,
  now: number,
): MastodonStatus {
  const { post, home } = status;
  const domain = m.domains[instance] ?? '';
  const homeDomain = m.domains[home] ?? '';
  const first = firstVersion(post);
  const shown = currentVersion(post, now);
  const homeId = m.localId(post, home).toString();
  const account = accountJson(m, post.author, instance, home);
  const metrics = publicMetrics(shown, now);
  const ref = post.kind === 'reply' && post.ref ? post.ref : null;
  const refHome = ref ? m.statusOf(ref)?.home : undefined;
  // A quote is a status linking to the quoted one (Mastodon before 4.5 had no quotes).
  const quoted =
    post.kind === 'quote' && post.ref ? ` https://${homeDomain}/@${post.ref.author.username}` : '';
  return {
    id: m.localId(post, instance).toString(),
    uri: `${account.uri}/statuses/${homeId}`,
    url: `${account.url}/${homeId}`,
    created_at: new Date(first.createdMs).toISOString(),
    edited_at: shown.n > 0 ? new Date(shown.createdMs).toISOString() : null,
    account,
    content: contentHtml(shown.text.text + quoted, domain),
    visibility: 'public',
    sensitive: false,
    spoiler_text: '',
    media_attachments: [],
    application: null,
    mentions: [],
    tags: shown.text.hashtags.map((h) => ({
      name: h.tag.toLowerCase(),
      url: `https://${domain}/tags/${encodeURIComponent(h.tag.toLowerCase())}`,
    })),
    emojis: [],
    reblogs_count: Math.round(metrics.retweet_count / 10),
    favourites_count: Math.round(metrics.like_count / 10),
    replies_count: Math.round(metrics.reply_count / 10),
    in_reply_to_id: ref ? m.localId(ref, instance).toString() : null,
    in_reply_to_account_id:
      ref && refHome !== undefined ? accountJson(m, ref.author, instance, refHome).id : null,
    reblog: null,
    poll: null,
    card: null,
    language: post.lang === 'und' ? null : post.lang,
  };
}
