import type { SimUser } from '../world/authors.js';
import { type Metrics, publicMetrics, type SimMedia, type SimPost, type Version } from '../world/post.js';
import type { Expansion, MediaField, TweetField, UserField } from './fields.js';

/** What a request asked to see, beyond the defaults (`id`, `text`, `edit_history_tweet_ids`). */
export interface FieldSelection {
  tweet: ReadonlySet<TweetField>;
  user: ReadonlySet<UserField>;
  media: ReadonlySet<MediaField>;
  expansions: ReadonlySet<Expansion>;
}

type Json = Record<string, unknown>;

/** A page's `data` and `includes` members, and what they hold (for billing). */
export interface PageJson {
  /** JSON text without the outer braces; '' for an empty page. */
  members: string;
  /** Ids of the posts in `data` and in `includes.tweets`. */
  postIds: string[];
  /** Ids of the users in `includes.users`. */
  userIds: string[];
}

const EDIT_WINDOW_MS = 30 * 60_000;
const MAX_EDITS = 5;
const REFERENCE_TYPE = { reply: 'replied_to', quote: 'quoted', repost: 'retweeted' } as const;

/**
 * The `data` and `includes` members of a response, as JSON text (without the
 * outer braces, '' for an empty page): only the requested fields, and each
 * expanded object once. What never changes about a post or user is serialised
 * once per field selection and cached beside it, so a page costs little more
 * than the metrics that grow with the clock.
 */
export function pageJson(
  versions: readonly Version[],
  fields: FieldSelection,
  now: number,
  userById: (id: string) => SimUser | undefined,
): PageJson {
  if (versions.length === 0) return { members: '', postIds: [], userIds: [] };
  const x = fields.expansions;
  const users = new Map<string, SimUser>();
  const tweets = new Map<string, Version>();
  const media = new Map<string, SimMedia>();
  const addUser = (u: SimUser | undefined) => {
    if (u && !users.has(u.id)) users.set(u.id, u);
  };
  for (const v of versions) {
    const { post } = v;
    const ref = post.ref;
    const refVersion = ref?.versions[0];
    if (x.has('author_id')) addUser(post.author);
    if (x.has('in_reply_to_user_id') && post.kind === 'reply') addUser(ref?.author);
    if (x.has('entities.mentions.username')) for (const m of v.text.mentions) addUser(userById(m.id));
    if (x.has('referenced_tweets.id') && refVersion && !tweets.has(refVersion.id))
      tweets.set(refVersion.id, refVersion);
    if (x.has('referenced_tweets.id.author_id')) addUser(ref?.author);
    if (x.has('attachments.media_keys') && post.media) media.set(post.media.key, post.media);
    if (x.has('referenced_tweets.id.attachments.media_keys') && ref?.media)
      media.set(ref.media.key, ref.media);
    if (x.has('edit_history_tweet_ids')) {
      for (const older of post.versions)
        if (older.n < v.n && !tweets.has(older.id)) tweets.set(older.id, older);
    }
  }
  const tweetKey = [...fields.tweet].sort().join(',');
  const tweetList = (list: Iterable<Version>) =>
    Array.from(list, (v) => tweetJson(v, fields.tweet, tweetKey, now)).join(',');
  const includes: string[] = [];
  if (users.size > 0) {
    const key = [...fields.user].sort().join(',');
    includes.push(
      `"users":[${Array.from(users.values(), (u) => cached(u, key, () => userObject(u, fields.user))).join(',')}]`,
    );
  }
  if (tweets.size > 0) includes.push(`"tweets":[${tweetList(tweets.values())}]`);
  if (media.size > 0) {
    const key = [...fields.media].sort().join(',');
    includes.push(
      `"media":[${Array.from(media.values(), (m) => cached(m, key, () => mediaObject(m, fields.media))).join(',')}]`,
    );
  }
  const data = `"data":[${tweetList(versions)}]`;
  return {
    members: includes.length > 0 ? `${data},"includes":{${includes.join(',')}}` : data,
    postIds: [...versions.map((v) => v.id), ...tweets.keys()],
    userIds: [...users.keys()],
  };
}

/** Serialised static parts, per object and field selection; they live as long as their post or user. */
const fragments = new WeakMap<object, Map<string, string>>();

function cached(owner: object, key: string, build: () => unknown): string {
  let byKey = fragments.get(owner);
  if (!byKey) {
    byKey = new Map();
    fragments.set(owner, byKey);
  }
  let json = byKey.get(key);
  if (json === undefined) {
    json = JSON.stringify(build());
    byKey.set(key, json);
  }
  return json;
}

/**
 * One Tweet object: `id`, `text`, `edit_history_tweet_ids`, the requested static
 * fields (cached), then the fields that change with the clock.
 */
function tweetJson(v: Version, fields: ReadonlySet<TweetField>, key: string, now: number): string {
  const { post } = v;
  // A chain of one never changes; only an edited post's history depends on the clock.
  const head =
    post.versions.length === 1
      ? cached(v, 'head', () => ({ id: v.id, text: v.text.text, edit_history_tweet_ids: [v.id] })).slice(
          0,
          -1,
        )
      : `${cached(v, 'head', () => ({ id: v.id, text: v.text.text })).slice(0, -1)},"edit_history_tweet_ids":${JSON.stringify(editHistory(post, now))}`;
  if (fields.size === 0) return `${head}}`;
  const rest = cached(v, `fields:${key}`, () => staticFields(v, fields)).slice(1, -1);
  let json = rest ? `${head},${rest}` : head;
  if (fields.has('public_metrics')) json += `,"public_metrics":${metricsJson(publicMetrics(v, now))}`;
  if (fields.has('edit_controls')) json += `,"edit_controls":${JSON.stringify(editControls(post, now))}`;
  return `${json}}`;
}

/** The same text JSON.stringify gives, without its generic walk: this runs for every post of every page. */
function metricsJson(m: Metrics): string {
  return `{"retweet_count":${m.retweet_count},"reply_count":${m.reply_count},"like_count":${m.like_count},"quote_count":${m.quote_count},"bookmark_count":${m.bookmark_count},"impression_count":${m.impression_count}}`;
}

/** The requested Tweet fields that never change once the version exists. */
function staticFields(v: Version, fields: ReadonlySet<TweetField>): Json {
  const { post } = v;
  const ref = post.ref;
  const tweet: Json = {};
  if (fields.has('author_id')) tweet.author_id = post.author.id;
  if (fields.has('created_at')) tweet.created_at = v.createdAt;
  if (fields.has('conversation_id')) {
    const root = post.kind === 'reply' && ref ? ref : post;
    tweet.conversation_id = root.versions[0]?.id;
  }
  if (fields.has('in_reply_to_user_id') && post.kind === 'reply' && ref)
    tweet.in_reply_to_user_id = ref.author.id;
  if (fields.has('referenced_tweets') && ref && post.kind !== 'original') {
    tweet.referenced_tweets = [{ type: REFERENCE_TYPE[post.kind], id: ref.versions[0]?.id }];
  }
  if (fields.has('lang')) tweet.lang = post.lang;
  if (fields.has('possibly_sensitive')) tweet.possibly_sensitive = false;
  if (fields.has('reply_settings')) tweet.reply_settings = 'everyone';
  if (fields.has('entities')) {
    const entities: Json = {};
    if (v.text.hashtags.length > 0) entities.hashtags = v.text.hashtags;
    if (v.text.mentions.length > 0) entities.mentions = v.text.mentions;
    if (v.text.urls.length > 0) entities.urls = v.text.urls;
    if (Object.keys(entities).length > 0) tweet.entities = entities;
  }
  if (fields.has('attachments') && post.media) tweet.attachments = { media_keys: [post.media.key] };
  return tweet;
}

/** Ids of the chain, oldest first, as far as it exists at `now`. */
function editHistory(post: SimPost, now: number): string[] {
  const ids: string[] = [];
  for (const version of post.versions) if (version.createdMs <= now) ids.push(version.id);
  return ids;
}

function editControls(post: SimPost, now: number): Json {
  const created = post.versions[0]?.createdMs ?? 0;
  const edits = post.versions.filter((v) => v.n > 0 && v.createdMs <= now).length;
  return {
    edits_remaining: MAX_EDITS - edits,
    is_edit_eligible: post.kind !== 'repost',
    editable_until: new Date(created + EDIT_WINDOW_MS).toISOString(),
  };
}

function userObject(u: SimUser, fields: ReadonlySet<UserField>): Json {
  const user: Json = { id: u.id, name: u.name, username: u.username };
  if (fields.has('created_at')) user.created_at = u.createdAt;
  if (fields.has('description')) user.description = u.description;
  if (fields.has('location') && u.location !== null) user.location = u.location;
  if (fields.has('profile_image_url')) user.profile_image_url = u.profileImageUrl;
  if (fields.has('protected')) user.protected = false;
  if (fields.has('verified')) user.verified = u.verified;
  if (fields.has('verified_type')) user.verified_type = u.verifiedType;
  if (fields.has('public_metrics')) {
    user.public_metrics = {
      followers_count: u.followers,
      following_count: u.following,
      tweet_count: u.tweetCount,
      listed_count: u.listed,
    };
  }
  return user;
}

function mediaObject(m: SimMedia, fields: ReadonlySet<MediaField>): Json {
  const media: Json = { media_key: m.key, type: m.type };
  const [, id] = m.key.split('_');
  if (fields.has('url') && m.type === 'photo') media.url = `https://pbs.twimg.com/media/sim${id}.jpg`;
  if (fields.has('preview_image_url') && m.type === 'video') {
    media.preview_image_url = `https://pbs.twimg.com/ext_tw_video_thumb/${id}/pu/img/preview.jpg`;
  }
  if (fields.has('width')) media.width = m.width;
  if (fields.has('height')) media.height = m.height;
  if (fields.has('duration_ms') && m.durationMs !== null) media.duration_ms = m.durationMs;
  if (fields.has('alt_text') && m.altText !== null) media.alt_text = m.altText;
  if (fields.has('public_metrics') && m.views !== null) media.public_metrics = { view_count: m.views };
  if (fields.has('variants') && m.type === 'video') {
    media.variants = [
      {
        bit_rate: 2_176_000,
        content_type: 'video/mp4',
        url: `https://video.twimg.com/ext_tw_video/${id}/pu/vid/1280x720/sim.mp4`,
      },
    ];
  }
  return media;
}
