import type { SimPost, Version } from '../world/post.js';
import type { QueryNode } from './parse-query.js';

export type PostMatcher = (v: Version) => boolean;

/** Compiles a parsed query to a predicate over post versions. */
export function compileQuery(node: QueryNode): PostMatcher {
  switch (node.type) {
    case 'or': {
      const items = node.items.map(compileQuery);
      return (v) => items.some((m) => m(v));
    }
    case 'and': {
      const items = node.items.map(compileQuery);
      return (v) => items.every((m) => m(v));
    }
    case 'not': {
      const item = compileQuery(node.item);
      return (v) => !item(v);
    }
    case 'hashtag': {
      // Case and accents are folded on both sides; a repost matches on its original's hashtags.
      const key = node.key;
      return (v) => v.post.tagKeys.includes(key);
    }
    case 'keyword': {
      const words = node.text.split(/\s+/u).filter(Boolean);
      return (v) => containsWords(foldedText(v), words);
    }
    case 'from': {
      const username = node.username;
      return (v) => v.post.author.username.toLowerCase() === username;
    }
    case 'is': {
      const kind: SimPost['kind'] = node.what === 'retweet' ? 'repost' : node.what;
      return (v) => v.post.kind === kind;
    }
    case 'has':
      return (v) => v.post.media !== null;
    case 'lang': {
      const code = node.code;
      return (v) => v.post.lang === code;
    }
  }
}

const foldedTexts = new WeakMap<Version, string[]>();

function foldedText(v: Version): string[] {
  let words = foldedTexts.get(v);
  if (!words) {
    words = v.text.text
      .normalize('NFKD')
      .replace(/\p{M}+/gu, '')
      .toLowerCase()
      .split(/[^\p{L}\p{N}_#@]+/u);
    foldedTexts.set(v, words);
  }
  return words;
}

/** Keywords match whole tokens; a quoted phrase matches consecutive tokens. */
function containsWords(tokens: string[], words: string[]): boolean {
  const [first] = words;
  if (first === undefined) return false;
  for (let i = 0; i < tokens.length; i++) {
    if (tokens[i] !== first) continue;
    if (words.every((w, k) => tokens[i + k] === w)) return true;
  }
  return false;
}
