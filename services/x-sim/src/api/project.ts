import type { SimUser } from '../world/authors.js';
import { publicMetrics, type SimMedia, type SimPost, type Version } from '../world/post.js';
import type { Expansion, MediaField, TweetField, UserField } from './fields.js';

/** What a request asked to see, beyond the defaults (`id`, `text`, `edit_history_tweet_ids`). */
export interface FieldSelection {
  tweet: ReadonlySet<TweetField>;
  user: ReadonlySet<UserField>;
  media: ReadonlySet<MediaField>;
  expansions: ReadonlySet<Expansion>;
}

type Json = Record<string, unknown>;

export interface Page {
  data?: Json[];
  includes?: { users?: Json[]; tweets?: Json[]; media?: Json[] };
}

const EDIT_WINDOW_MS = 30 * 60_000;
const MAX_EDITS = 5;
const REFERENCE_TYPE = { reply: 'replied_to', quote: 'quoted', repost: 'retweeted' } as const;

/**
 * Projects versions to X's Tweet objects with only the requested fields, and
 * gathers `includes` for the requested expansions, each object once.
 * `userById` resolves mentioned users.
 */
export function buildPage(
  versions: readonly Version[],
  fields: FieldSelection,
  now: number,
  userById: (id: string) => SimUser | undefined,
): Page {
  if (versions.length === 0) return {};
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
  const page: Page = { data: versions.map((v) => projectTweet(v, fields.tweet, now)) };
  const includes: NonNullable<Page['includes']> = {};
  if (users.size > 0) includes.users = [...users.values()].map((u) => projectUser(u, fields.user));
  if (tweets.size > 0) includes.tweets = [...tweets.values()].map((v) => projectTweet(v, fields.tweet, now));
  if (media.size > 0) includes.media = [...media.values()].map((m) => projectMedia(m, fields.media));
  if (users.size + tweets.size + media.size > 0) page.includes = includes;
  return page;
}

export function projectTweet(v: Version, fields: ReadonlySet<TweetField>, now: number): Json {
  const { post } = v;
  const tweet: Json = {
    id: v.id,
    text: v.text.text,
    edit_history_tweet_ids: editHistory(post, now),
  };
  if (fields.size === 0) return tweet;
  const ref = post.ref;
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
  if (fields.has('public_metrics')) tweet.public_metrics = publicMetrics(v, now);
  if (fields.has('entities')) {
    const entities: Json = {};
    if (v.text.hashtags.length > 0) entities.hashtags = v.text.hashtags;
    if (v.text.mentions.length > 0) entities.mentions = v.text.mentions;
    if (v.text.urls.length > 0) entities.urls = v.text.urls;
    if (Object.keys(entities).length > 0) tweet.entities = entities;
  }
  if (fields.has('attachments') && post.media) tweet.attachments = { media_keys: [post.media.key] };
  if (fields.has('edit_controls')) tweet.edit_controls = editControls(post, now);
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

export function projectUser(u: SimUser, fields: ReadonlySet<UserField>): Json {
  const user: Json = { id: u.id, name: u.name, username: u.username };
  if (fields.size === 0) return user;
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

export function projectMedia(m: SimMedia, fields: ReadonlySet<MediaField>): Json {
  const media: Json = { media_key: m.key, type: m.type };
  if (fields.size === 0) return media;
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
